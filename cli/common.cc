#include "cli/common.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "cli/values.h"
#include "core/base/notice.h"

namespace slsflow::cli {

void AddCommonFlags(CLI::App* cmd, CommonFlags* f, LogstoreArity logstores, bool listing) {
  cmd->add_option("--endpoint", f->endpoint,
                  "SLS endpoint, e.g. cn-hangzhou.log.aliyuncs.com or http://127.0.0.1:8080 [env SLSFLOW_ENDPOINT]")
      ->type_name("ENDPOINT");
  cmd->add_option("-p,--project", f->project, "project [env SLSFLOW_PROJECT]")->type_name("PROJECT");
  if (logstores == LogstoreArity::kOne)
    cmd->add_option("-l,--logstore", f->logstores, "logstore [env SLSFLOW_LOGSTORE]")
        ->delimiter(',')
        ->type_name("LOGSTORE");
  else if (logstores == LogstoreArity::kMany)
    cmd->add_option("-l,--logstore", f->logstores, "logstore; several: -l a -l b or -l a,b [env SLSFLOW_LOGSTORE]")
        ->delimiter(',')
        ->type_name("LOGSTORE");
  cmd->add_option("--profile", f->profile,
                  "profile in ~/.config/slsflow/config or ~/.aliyunlogcli; beats the environment [env SLSFLOW_PROFILE]")
      ->type_name("PROFILE");
  cmd->add_option("--access-key-id", f->access_key_id, "access key id [env ALIBABA_CLOUD_ACCESS_KEY_ID]")
      ->type_name("ID");
  cmd->add_option("--access-key-secret", f->access_key_secret,
                  "access key secret; visible in ps, prefer ALIBABA_CLOUD_ACCESS_KEY_SECRET or a profile")
      ->type_name("SECRET");
  cmd->add_option("--security-token", f->security_token, "STS token [env ALIBABA_CLOUD_SECURITY_TOKEN]")
      ->type_name("TOKEN");
  cmd->add_option("--sign", f->sign_version, "signature version (default v1)")->check(OneOf({"v1", "v4"}));
  cmd->add_option("--region", f->region, "region for signature v4 (default: from the endpoint)")->type_name("REGION");
  cmd->add_option("--ca-file", f->ca_file, "trust this CA bundle (PEM) for HTTPS")->type_name("FILE");
  cmd->add_flag("--insecure", f->insecure, "do not verify the server's TLS certificate (testing only)");
  cmd->add_option("--timeout", f->timeout_us,
                  "per-request timeout, e.g. 30s (a bare number is milliseconds; default 60s)")
      ->transform(DurationValue(BareNumber::kMilliseconds, 1000));
  cmd->add_flag("-v,--verbose", f->verbosity, "more logging on stderr; -vv traces requests (secrets redacted)");
  cmd->add_flag("-q,--quiet", f->quiet, "no logging on stderr, only errors");
  cmd->add_option("--color", f->color, "colour on a terminal (NO_COLOR is honoured)")
      ->check(OneOf({"auto", "always", "never"}));
  if (listing) {
    cmd->add_option("-f,--format", f->format, "listing format (default table)")->check(OneOf({"table", "json", "csv"}));
    // Listings took their format as -o/--output before -o meant "where data
    // goes" everywhere; scripts still say -o json.
    cmd->add_option("-o,--output", f->format, "deprecated: -f/--format")
        ->check(OneOf({"table", "json", "csv"}))
        ->group("");
  }
}

void SetupLogging(const CommonFlags& flags) {
  // Built by hand, not through the registry, so that calling this twice is harmless.
  auto make_sink = [&]() -> spdlog::sink_ptr {
    if (UseColor(flags)) return std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    return std::make_shared<spdlog::sinks::stderr_sink_mt>();
  };
  auto logger = std::make_shared<spdlog::logger>("slsflow", make_sink());
  logger->set_pattern("slsflow: %^%l%$: %v");
  spdlog::set_default_logger(logger);
  if (flags.quiet) {
    spdlog::set_level(spdlog::level::off);
  } else if (flags.verbosity >= 2) {
    spdlog::set_level(spdlog::level::debug);
  } else if (flags.verbosity == 1) {
    spdlog::set_level(spdlog::level::info);
  } else {
    spdlog::set_level(spdlog::level::warn);
  }
  // Notices (core/base/notice.h) say what is happening, not that
  // something is wrong: no level in the line, shown unless -q.
  auto notices = std::make_shared<spdlog::logger>(kNoticeLogger, std::make_shared<spdlog::sinks::stderr_sink_mt>());
  notices->set_pattern("slsflow: %v");
  notices->set_level(flags.quiet ? spdlog::level::off : spdlog::level::warn);
  spdlog::drop(kNoticeLogger);
  spdlog::register_logger(notices);
}

bool UseColor(const CommonFlags& flags, bool for_stdout) {
  if (flags.color == "always") return true;
  if (flags.color == "never") return false;
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color && *no_color) return false;
  return isatty(for_stdout ? STDOUT_FILENO : STDERR_FILENO) == 1;
}

int ReportError(const Status& status) {
  if (status.ok()) return 0;
  std::string line = status.ToString();
  // Nothing answered at all: the endpoint or the network is the thing to check.
  if (status.kind() == ErrorKind::kUnreachable)
    line +=
        "; check the endpoint (--endpoint, SLSFLOW_ENDPOINT or the profile; the project is part of its host "
        "name) and that the server is up";
  std::fprintf(stderr, "slsflow: %s\n", line.c_str());
  std::fflush(stderr);
  return status.ExitCode();
}

}  // namespace slsflow::cli
