#include "core/base/json_util.h"

namespace slsflow {

Result<nlohmann::json> ParseJsonBounded(std::string_view text, const std::string& what, int max_depth) {
  if (text.size() > kMaxJsonBytes)
    return Status::Corruption(what + " is larger than " + std::to_string(kMaxJsonBytes) + " bytes");
  int depth = 0;
  bool too_deep = false;
  // The parser callback sees every nesting event before it recurses.
  auto cb = [&](int d, nlohmann::json::parse_event_t event, nlohmann::json&) {
    if (event == nlohmann::json::parse_event_t::object_start || event == nlohmann::json::parse_event_t::array_start) {
      depth = d;
      if (d >= max_depth) too_deep = true;
    }
    return !too_deep;
  };
  nlohmann::json j = nlohmann::json::parse(text.begin(), text.end(), cb, /*allow_exceptions=*/false);
  if (too_deep) return Status::Corruption(what + " nests deeper than " + std::to_string(max_depth) + " levels");
  if (j.is_discarded()) {
    std::string head(text.substr(0, 120));
    for (auto& c : head)
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
    return Status::Corruption(what + " is not valid JSON: '" + head + (text.size() > 120 ? "...'" : "'"));
  }
  (void)depth;
  return j;
}

}  // namespace slsflow
