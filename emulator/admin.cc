// The admin endpoint for reliability tests. Off unless --admin-token is
// given; then requests under /_slsflow/admin/ must carry the header
// x-slsflow-admin-token. SLS credentials never open it.
//   GET  /_slsflow/admin/faults          current fault settings (JSON)
//   PUT  /_slsflow/admin/faults          change some of them (JSON fields)
//   GET  /_slsflow/admin/clock           {"offsetSeconds": N}
//   PUT  /_slsflow/admin/clock           {"offsetSeconds": N}
#include <nlohmann/json.hpp>

#include "core/sls/crypto.h"
#include "emulator/server.h"

namespace slsflow::emulator {
namespace {

constexpr std::string_view kAdminPrefix = "/_slsflow/admin/";

// Compares in time independent of where the first difference is.
bool TokenEquals(const std::string& a, const std::string& b) {
  return Sha256(a) == Sha256(b);
}

}  // namespace

std::optional<EmuResponse> EmulatorServer::HandleAdmin(const EmuRequest& req) {
  if (options_.admin_token.empty() || req.path.compare(0, kAdminPrefix.size(), kAdminPrefix) != 0) {
    return std::nullopt;
  }
  const std::string* token = req.Header("x-slsflow-admin-token");
  if (!token || !TokenEquals(*token, options_.admin_token)) {
    return ErrorResponse(401, "Unauthorized", "admin requests need the x-slsflow-admin-token header");
  }
  std::string what = req.path.substr(kAdminPrefix.size());
  bool write = req.method == "PUT" || req.method == "POST";
  if (Status st = CheckJsonBody(req.body, options_.service.limits); !st.ok()) return StatusResponse(st);
  if (what == "faults") {
    FaultOptions o = faults_->options();
    if (write) {
      if (Status st = Faults::FromJson(req.body, &o); !st.ok()) {
        return ErrorResponse(400, "ParameterInvalid", st.message());
      }
      faults_->Set(o);
    }
    return JsonResponse(Faults::ToJson(o));
  }
  if (what == "clock") {
    if (write) {
      nlohmann::json j = nlohmann::json::parse(req.body, nullptr, false);
      if (j.is_discarded() || !j.is_object() || !j.contains("offsetSeconds") ||
          !j["offsetSeconds"].is_number_integer()) {
        return ErrorResponse(400, "ParameterInvalid", "body must be {\"offsetSeconds\": N}");
      }
      service_->set_clock_offset_s(j["offsetSeconds"].get<int64_t>());
    }
    return JsonResponse(nlohmann::json({{"offsetSeconds", service_->clock_offset_s()}}).dump());
  }
  return ErrorResponse(404, "ParameterInvalid", "unknown admin resource " + what);
}

}  // namespace slsflow::emulator
