// `slsflow emulator`: a local SLS-compatible server (emulator/server.h).
// Prints exactly one line on stdout when ready, "listening http://HOST:PORT"
// ("listening https://HOST:PORT" with --tls-cert/--tls-key), and stops
// cleanly on SIGINT/SIGTERM.
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/values.h"
#include "emulator/server.h"

namespace slsflow::cli {
namespace {

struct EmulatorFlags {
  std::string listen = "127.0.0.1:0";
  std::string data_dir;
  std::string project = "demo";
  std::vector<std::string> logstores;
  std::string access_key_id;
  std::string access_key_secret;
  std::string sts_token;
  bool no_auth = false;
  int64_t clock_offset_s = 0;
  double fault_5xx = 0;
  emulator::FaultOptions faults;
  std::string admin_token;
  std::string tls_cert;
  std::string tls_key;
  // Limits (emulator/limits.h), as typed: sizes take k/m/g, durations s/m/h/d.
  std::string max_body = "10m";
  std::string max_group_bytes = "5m";
  uint64_t max_logs_per_request = 0;
  std::string max_key_bytes = "128";
  std::string max_value_bytes = "1m";
  std::string max_topic_bytes = "128";
  std::string max_log_age = "168h";
  std::string max_log_ahead = "15m";
  bool accept_invalid_utf8 = false;
  std::string max_json_body = "1m";
  int max_json_depth = 32;
  std::string max_pull_bytes = "16m";
  std::string pull_cache_bytes = "256m";
  int max_shards = 1024;
  std::string read_timeout = "5s";
  std::string request_deadline = "60s";
  std::string keep_alive_idle = "30s";
  size_t max_connections = 512;
};

int Fail(int code, const std::string& message) {
  std::fprintf(stderr, "slsflow emulator: %s\n", message.c_str());
  return code;
}

// Fills `limits` from the flags; a usage error names the flag.
Status ParseLimits(const EmulatorFlags& f, emulator::EmulatorLimits* limits) {
  auto size = [](const std::string& text, const char* flag, uint64_t min, size_t* out) {
    auto bytes = ParseSize(text, flag, min);
    if (bytes.ok()) *out = static_cast<size_t>(*bytes);
    return bytes.status();
  };
  auto seconds = [](const std::string& text, const char* flag, int64_t min_s, int64_t max_s, int64_t* out) {
    auto us = ParseDuration(text, flag, BareNumber::kSeconds, min_s * 1000000, max_s * 1000000);
    if (us.ok()) *out = *us / 1000000;
    return us.status();
  };
  constexpr int64_t kHour = 3600, kYears = 100LL * 366 * 86400;
  SLSFLOW_RETURN_IF_ERROR(size(f.max_body, "--max-body", 1024, &limits->max_body_bytes));
  SLSFLOW_RETURN_IF_ERROR(size(f.max_group_bytes, "--max-group-bytes", 1024, &limits->max_group_bytes));
  limits->max_logs_per_request = static_cast<size_t>(f.max_logs_per_request);
  SLSFLOW_RETURN_IF_ERROR(size(f.max_key_bytes, "--max-key-bytes", 1, &limits->max_key_bytes));
  SLSFLOW_RETURN_IF_ERROR(size(f.max_value_bytes, "--max-value-bytes", 1, &limits->max_value_bytes));
  SLSFLOW_RETURN_IF_ERROR(size(f.max_topic_bytes, "--max-topic-bytes", 1, &limits->max_topic_bytes));
  SLSFLOW_RETURN_IF_ERROR(seconds(f.max_log_age, "--max-log-age", 0, kYears, &limits->max_log_age_s));
  SLSFLOW_RETURN_IF_ERROR(seconds(f.max_log_ahead, "--max-log-ahead", 0, kYears, &limits->max_log_ahead_s));
  limits->accept_invalid_utf8 = f.accept_invalid_utf8;
  SLSFLOW_RETURN_IF_ERROR(size(f.max_json_body, "--max-json-body", 1024, &limits->max_json_body_bytes));
  limits->max_json_depth = f.max_json_depth;
  SLSFLOW_RETURN_IF_ERROR(size(f.max_pull_bytes, "--max-pull-bytes", 1024, &limits->max_pull_bytes));
  SLSFLOW_RETURN_IF_ERROR(size(f.pull_cache_bytes, "--pull-cache-bytes", 0, &limits->pull_cache_bytes));
  limits->max_shards = f.max_shards;
  int64_t s = 0;
  SLSFLOW_RETURN_IF_ERROR(seconds(f.read_timeout, "--read-timeout", 1, kHour, &s));
  limits->read_timeout_ms = static_cast<int>(s * 1000);
  SLSFLOW_RETURN_IF_ERROR(seconds(f.request_deadline, "--request-deadline", 1, kHour, &s));
  limits->request_deadline_ms = static_cast<int>(s * 1000);
  SLSFLOW_RETURN_IF_ERROR(seconds(f.keep_alive_idle, "--keep-alive-idle", 1, kHour, &s));
  limits->keep_alive_idle_ms = static_cast<int>(s * 1000);
  limits->max_connections = f.max_connections;
  return Status::OK();
}

int Run(EmulatorFlags f) {
  emulator::EmulatorOptions opt;
  if (Status st = ParseLimits(f, &opt.service.limits); !st.ok()) return Fail(2, st.message());
  if (f.tls_cert.empty() != f.tls_key.empty()) {
    return Fail(2, std::string("--tls-cert and --tls-key go together: give both to serve HTTPS (missing ") +
                       (f.tls_cert.empty() ? "--tls-cert" : "--tls-key") + "), or neither for plain HTTP");
  }
  opt.tls_cert_file = f.tls_cert;
  opt.tls_key_file = f.tls_key;
  size_t colon = f.listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return Fail(2, "--listen must be HOST:PORT, e.g. 127.0.0.1:0");
  opt.listen_host = f.listen.substr(0, colon);
  if (opt.listen_host.size() > 2 && opt.listen_host.front() == '[') {
    opt.listen_host = opt.listen_host.substr(1, opt.listen_host.size() - 2);
  }
  try {
    size_t used = 0;
    opt.port = std::stoi(f.listen.substr(colon + 1), &used);
    if (used != f.listen.size() - colon - 1 || opt.port < 0 || opt.port > 65535) throw std::out_of_range("port");
  } catch (...) {
    return Fail(2, "--listen port must be 0..65535 (0 picks a free port)");
  }
  opt.data_dir = f.data_dir;
  opt.service.default_project = f.project;
  for (const auto& spec : f.logstores) {
    emulator::LogStoreSpec ls;
    size_t c = spec.find(':');
    ls.name = spec.substr(0, c);
    if (c != std::string::npos) {
      try {
        ls.shards = std::stoi(spec.substr(c + 1));
      } catch (...) {
        ls.shards = 0;
      }
      if (ls.shards < 1 || ls.shards > opt.service.limits.max_shards) {
        return Fail(2, "--logstore " + spec + ": SHARDS must be 1.." + std::to_string(opt.service.limits.max_shards) +
                           " (--max-shards)");
      }
    }
    if (ls.name.empty()) return Fail(2, "--logstore needs NAME[:SHARDS]");
    opt.service.logstores.push_back(ls);
  }
  bool have_keys = !f.access_key_id.empty() || !f.access_key_secret.empty();
  if (have_keys && f.no_auth) return Fail(2, "give either --access-key-id/--access-key-secret or --no-auth, not both");
  if (have_keys && (f.access_key_id.empty() || f.access_key_secret.empty())) {
    return Fail(2, "--access-key-id and --access-key-secret go together");
  }
  if (!have_keys && !f.no_auth) return Fail(2, "give --access-key-id and --access-key-secret, or --no-auth");
  opt.service.auth = have_keys;
  opt.service.credentials = Credentials{f.access_key_id, f.access_key_secret, f.sts_token};
  opt.faults = f.faults;
  if (f.fault_5xx > 0) {
    opt.faults.p500 += f.fault_5xx / 3;
    opt.faults.p502 += f.fault_5xx / 3;
    opt.faults.p503 += f.fault_5xx / 3;
  }
  if (opt.faults.p500 + opt.faults.p502 + opt.faults.p503 > 1)
    return Fail(2, "5xx probabilities add up to more than 1");
  opt.admin_token = f.admin_token;

  // Signals are taken synchronously by this thread: block them before any
  // server thread starts so that every thread inherits the mask.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  emulator::EmulatorServer server(std::move(opt));
  if (Status st = server.Start(); !st.ok()) return Fail(st.ExitCode() == 0 ? 1 : st.ExitCode(), st.ToString());
  server.service().set_clock_offset_s(f.clock_offset_s);
  std::printf("listening %s\n", server.url().c_str());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&set, &sig);
  std::fprintf(stderr, "slsflow emulator: stopping (%s)\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
  server.Stop();
  return 0;
}

}  // namespace

// Every bound of emulator/limits.h, under their own heading in --help.
void AddLimitFlags(CLI::App* cmd, EmulatorFlags& f) {
  const char* g = "Limits (sizes take k, m, g; durations s, m, h, d)";
  auto size = [&](const char* name, std::string& v, const char* what) {
    cmd->add_option(name, v, what)->capture_default_str()->check(SizeValue())->group(g);
  };
  auto duration = [&](const char* name, std::string& v, const char* what) {
    cmd->add_option(name, v, what)->capture_default_str()->check(DurationValue(BareNumber::kSeconds))->group(g);
  };
  size("--max-body", f.max_body, "PutLogs body as sent; larger: 413 PostBodyTooLarge");
  size("--max-group-bytes", f.max_group_bytes, "One LogGroup after decompression; larger: 413 PostBodyTooLarge");
  cmd->add_option("--max-logs-per-request", f.max_logs_per_request,
                  "Logs in one PutLogs, 0 for no count (older SLS docs: 4096); more: 400 PostBodyTooLarge")
      ->capture_default_str()
      ->group(g);
  size("--max-key-bytes", f.max_key_bytes, "Content key length; longer: 400 InvalidKey");
  size("--max-value-bytes", f.max_value_bytes, "Content value length; longer: 400 PostBodyInvalid");
  size("--max-topic-bytes", f.max_topic_bytes, "Topic and source length; longer: 400 PostBodyInvalid");
  duration("--max-log-age", f.max_log_age, "Oldest log time accepted, before now; 0 = any (400 PostBodyInvalid)");
  duration("--max-log-ahead", f.max_log_ahead, "Latest log time accepted, after now; 0 = any (400 PostBodyInvalid)");
  cmd->add_flag("--accept-invalid-utf8", f.accept_invalid_utf8,
                "Store values, topics, sources and tags that are not UTF-8 instead of 400 InvalidEncoding")
      ->group(g);
  size("--max-json-body", f.max_json_body, "Body of any other API (JSON); larger: 413 PostBodyTooLarge");
  cmd->add_option("--max-json-depth", f.max_json_depth, "Nesting of a JSON body; deeper: 400 PostBodyInvalid")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000))
      ->group(g);
  size("--max-pull-bytes", f.max_pull_bytes, "A PullLogs reply stops adding LogGroups past this (uncompressed)");
  size("--pull-cache-bytes", f.pull_cache_bytes, "Memory for compressed pull replies kept for re-reads; 0 = none");
  cmd->add_option("--max-shards", f.max_shards, "Shards per logstore, readonly ones included")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20))
      ->group(g);
  duration("--read-timeout", f.read_timeout, "Silence allowed in the middle of a request (1s..1h)");
  duration("--request-deadline", f.request_deadline, "A whole request must arrive within this (1s..1h)");
  duration("--keep-alive-idle", f.keep_alive_idle, "Idle keep-alive connections are closed after this (1s..1h)");
  cmd->add_option("--max-connections", f.max_connections, "Connections served at once (a thread each)")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{100000}))
      ->group(g);
}

void RegisterEmulatorCommand(CLI::App& root, int* exit_code) {
  auto flags = std::make_shared<EmulatorFlags>();
  auto* cmd = root.add_subcommand("emulator", "Run a local SLS-compatible server (for tests and demos)");
  cmd->footer(
      "Prints 'listening http://HOST:PORT' on stdout when ready ('listening https://HOST:PORT' with "
      "--tls-cert/--tls-key). Data is kept in memory unless --data-dir is given.\n"
      "Examples:\n"
      "  slsflow emulator --listen 127.0.0.1:8080 --logstore app:4 --no-auth\n"
      "  slsflow emulator --data-dir ./sls-data --project demo --logstore access:2 --access-key-id testid "
      "--access-key-secret testsecret\n"
      "  slsflow emulator --listen 127.0.0.1:0 --logstore app --fault-5xx 0.1 --seed 42   # flaky, reproducibly\n"
      "  slsflow emulator --logstore app --no-auth --tls-cert server.pem --tls-key server.key   # HTTPS\n"
      "See slsflow-emulator(1).");
  cmd->add_option("--listen", flags->listen, "HOST:PORT to listen on; port 0 picks a free one")->capture_default_str();
  cmd->add_option("--data-dir", flags->data_dir, "Persist data, shards, consumer groups and checkpoints here (SQLite)");
  cmd->add_option("--project", flags->project, "Project served (and used for Hosts that carry none)")
      ->capture_default_str();
  cmd->add_option("--logstore", flags->logstores, "Create logstore NAME with SHARDS shards (default 2); repeatable")
      ->type_name("NAME[:SHARDS]");
  cmd->add_option("--access-key-id", flags->access_key_id, "Accept requests signed with this key id");
  cmd->add_option("--access-key-secret", flags->access_key_secret, "Secret of --access-key-id")
      ->envname("SLSFLOW_EMULATOR_ACCESS_KEY_SECRET");
  cmd->add_option("--sts-token", flags->sts_token, "Accept this STS security token (x-acs-security-token)");
  cmd->add_flag("--no-auth", flags->no_auth, "Do not check signatures");
  cmd->add_option("--clock-offset", flags->clock_offset_s, "Shift the server clock by SECONDS (skew tests)");
  cmd->add_option("--fault-5xx", flags->fault_5xx, "Probability of a 5xx reply, split evenly over 500/502/503")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--fault-500", flags->faults.p500, "Probability of 500 InternalServerError")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--fault-502", flags->faults.p502, "Probability of 502 Bad Gateway")->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--fault-503", flags->faults.p503, "Probability of 503 ServerBusy")->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--fault-reset", flags->faults.reset, "Probability of resetting the connection after handling")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--fault-slow", flags->faults.slow, "Probability of a slow reply")->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--fault-slow-ms", flags->faults.slow_ms, "Delay of a slow reply in ms")->capture_default_str();
  cmd->add_option("--seed", flags->faults.seed, "Seed of the fault generator")->capture_default_str();
  cmd->add_option("--quota-write-mbps", flags->faults.write_mb_per_s,
                  "Per-shard write quota, MB/s (403 ShardWriteQuotaExceed)");
  cmd->add_option("--quota-read-mbps", flags->faults.read_mb_per_s,
                  "Per-shard read quota, MB/s (403 ShardReadQuotaExceed)");
  cmd->add_option("--quota-write-qps", flags->faults.write_req_per_s, "Per-shard write requests per second");
  cmd->add_option("--quota-read-qps", flags->faults.read_req_per_s, "Per-shard read requests per second");
  cmd->add_option("--admin-token", flags->admin_token,
                  "Enable the admin endpoint /_slsflow/admin/ for requests with header x-slsflow-admin-token")
      ->envname("SLSFLOW_EMULATOR_ADMIN_TOKEN");
  cmd->add_option("--tls-cert", flags->tls_cert,
                  "Serve HTTPS with this PEM certificate (server first, then intermediates); needs --tls-key")
      ->type_name("PEM");
  cmd->add_option("--tls-key", flags->tls_key, "Unencrypted PEM private key of --tls-cert")->type_name("PEM");
  AddLimitFlags(cmd, *flags);
  cmd->callback([flags, exit_code] { *exit_code = Run(*flags); });
}

}  // namespace slsflow::cli
