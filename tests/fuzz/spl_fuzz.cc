// The emulator's SPL: a query from the wire, parsed and run over a few
// stored LogGroups. The input is the query; it is also the value of every
// field of one extra log, so that number parsing and like run on arbitrary
// bytes too.
//
// Checks: the parser refuses with kInvalid or builds a program; a program
// always runs (the groups are valid); protobuf reads the reply; the counts
// add up with what the reply holds; a where-only program sends only logs
// that were stored, byte for byte, and every group's topic as stored.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/spl_pull.h"
#include "sls.pb.h"

namespace {

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

using Fields = std::vector<std::pair<std::string, std::string>>;

std::string Group(const std::vector<Fields>& logs, const std::string& topic) {
  sls::LogGroup g;
  uint32_t t = 1700000000;
  for (const Fields& fields : logs) {
    auto* log = g.add_logs();
    log->set_time(t++);
    if (t % 2 == 0) log->set_timens(5);
    for (auto& [k, v] : fields) {
      auto* c = log->add_contents();
      c->set_key(k);
      c->set_value(v);
    }
  }
  g.set_topic(topic);
  auto* tag = g.add_logtags();
  tag->set_key("host");
  tag->set_value("web-1");
  return g.SerializeAsString();
}

std::vector<std::string> SampleGroups(std::string_view input) {
  const std::string any(input);
  return {
      Group({{{"level", "ERROR"}, {"message", "disk full"}, {"status", "500"}, {"bytes", "15000"}},
             {{"level", "INFO"}, {"message", "ok"}, {"status", "200"}, {"bytes", "-"}},
             {{"level", "WARN"}, {"status", "1e3"}, {"latency", "0.25"}, {"level", "dup"}}},
            "a"),
      Group({{{"message", "h\xc3\xa9llo \xff"}, {"status", "-9223372036854775808"}, {"a", ""}},
             {{"bytes", "9223372036854775808"}, {"b", "x%_y"}}},
            "b"),
      Group({{{"level", any}, {"message", any}, {"status", any}, {"bytes", any}, {"a", any}, {"b", any}}}, "c"),
      Group({}, "empty"),
  };
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view query(reinterpret_cast<const char*>(data), size);
  auto program = slsflow::emulator::spl::ParseSpl(query);
  if (!program.ok()) {
    Check(program.status().kind() == slsflow::ErrorKind::kInvalid);
    Check(!program.status().message().empty());
    return 0;
  }
  const std::vector<std::string> groups = SampleGroups(query);
  const std::vector<std::string_view> views(groups.begin(), groups.end());
  std::string list;
  slsflow::emulator::spl::PullStats stats;
  Check(slsflow::emulator::spl::RunOnGroups(*program, views, &list, &stats).ok());

  sls::LogGroupList out;
  Check(out.ParseFromString(list));
  std::vector<sls::LogGroup> in(groups.size());
  uint64_t in_logs = 0;
  for (size_t i = 0; i < groups.size(); ++i) {
    Check(in[i].ParseFromString(groups[i]));
    in_logs += static_cast<uint64_t>(in[i].logs_size());
  }
  Check(stats.raw_groups == groups.size());
  Check(stats.raw_lines == in_logs);
  Check(stats.result_lines + stats.failed_lines <= stats.raw_lines);
  Check(stats.result_groups == static_cast<uint64_t>(out.loggroups_size()));
  uint64_t out_logs = 0;
  for (const sls::LogGroup& g : out.loggroups()) {
    Check(g.logs_size() > 0);
    out_logs += static_cast<uint64_t>(g.logs_size());
    // The group it came from: topics are unique among the samples.
    const sls::LogGroup* from = nullptr;
    for (const sls::LogGroup& candidate : in) {
      if (candidate.topic() == g.topic()) from = &candidate;
    }
    Check(from != nullptr);
    Check(g.logtags_size() == from->logtags_size());
    Check(g.logs_size() <= from->logs_size());
    if (!program->reshapes) {
      // Kept logs in stored order, as stored.
      int next = 0;
      for (const sls::Log& log : g.logs()) {
        const std::string bytes = log.SerializeAsString();
        while (next < from->logs_size() && from->logs(next).SerializeAsString() != bytes) ++next;
        Check(next < from->logs_size());
        ++next;
      }
    }
  }
  Check(out_logs == stats.result_lines);
  return 0;
}
