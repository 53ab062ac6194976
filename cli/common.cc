#include "cli/common.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <cctype>
#include <cstdlib>

#include "cli/config_file.h"

namespace slsflow::cli {

namespace {

std::string Getenv(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string HomeDir() {
  std::string home = Getenv("HOME");
  return home.empty() ? "." : home;
}

std::string SlsflowConfigPath() {
  std::string p = Getenv("SLSFLOW_CONFIG");
  if (!p.empty()) return p;
  std::string xdg = Getenv("XDG_CONFIG_HOME");
  return (xdg.empty() ? HomeDir() + "/.config" : xdg) + "/slsflow/config";
}

std::string AliyunLogCliPath() {
  std::string p = Getenv("SLSFLOW_ALIYUNLOGCLI");
  return p.empty() ? HomeDir() + "/.aliyunlogcli" : p;
}

// Loads an INI file if it exists; warns when others can read secrets in it.
Result<IniFile> LoadIni(Env* env, const std::string& path, bool* found) {
  *found = false;
  if (!env->FileExists(path)) return IniFile{};
  std::string text;
  Status st = env->ReadFile(path, &text, 1 << 20);
  if (!st.ok()) return Status::Config(st.message());
  *found = true;
  auto mode = env->FileMode(path);
  if (mode.ok() && (*mode & 0044) != 0)
    spdlog::warn("{} is readable by other users and may hold secrets; run: chmod 600 {}", path, path);
  return ParseIni(text, path);
}

}  // namespace

void AddCommonFlags(CLI::App* cmd, CommonFlags* f, LogstoreArity logstores, bool listing) {
  cmd->add_option("--endpoint", f->endpoint, "SLS endpoint, e.g. cn-hangzhou.log.aliyuncs.com or http://127.0.0.1:8080 [env SLSFLOW_ENDPOINT]");
  cmd->add_option("-p,--project", f->project, "project [env SLSFLOW_PROJECT]");
  if (logstores == LogstoreArity::kOne)
    cmd->add_option("-l,--logstore", f->logstores, "logstore")->expected(1);
  else if (logstores == LogstoreArity::kMany)
    cmd->add_option("-l,--logstore", f->logstores, "logstore (repeat for several)");
  cmd->add_option("--profile", f->profile, "profile in ~/.config/slsflow/config or ~/.aliyunlogcli [env SLSFLOW_PROFILE]");
  cmd->add_option("--access-key-id", f->access_key_id, "access key id [env ALIBABA_CLOUD_ACCESS_KEY_ID]");
  cmd->add_option("--access-key-secret", f->access_key_secret,
                  "access key secret; visible in ps, prefer ALIBABA_CLOUD_ACCESS_KEY_SECRET or a profile");
  cmd->add_option("--security-token", f->security_token, "STS token [env ALIBABA_CLOUD_SECURITY_TOKEN]");
  cmd->add_option("--sign", f->sign_version, "signature version: v1 (default) or v4")->check(CLI::IsMember({"v1", "v4"}));
  cmd->add_option("--region", f->region, "region for signature v4 (default: from the endpoint)");
  cmd->add_option("--ca-file", f->ca_file, "trust this CA bundle (PEM) for HTTPS");
  cmd->add_flag("--insecure", f->insecure, "do not verify the server's TLS certificate (testing only)");
  cmd->add_option("--timeout", f->timeout_ms, "per-request timeout in milliseconds (default 60000)");
  cmd->add_flag("-v,--verbose", f->verbosity, "more logging on stderr; -vv traces requests (secrets redacted)");
  cmd->add_flag("-q,--quiet", f->quiet, "no logging on stderr, only errors");
  cmd->add_option("--color", f->color, "colour: auto, always or never (NO_COLOR is honoured)")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  if (listing)
    cmd->add_option("-o,--output", f->output, "table, json or csv")->check(CLI::IsMember({"table", "json", "csv"}));
}

Result<Settings> ResolveSettings(const CommonFlags& flags, Env* env, bool need_project, bool need_credentials) {
  Settings s;
  std::string profile = flags.profile.empty() ? Getenv("SLSFLOW_PROFILE") : flags.profile;
  bool profile_explicit = !profile.empty();
  if (profile.empty()) profile = "default";

  bool own_found = false, cli_found = false;
  auto own = LoadIni(env, SlsflowConfigPath(), &own_found);
  if (!own.ok()) return own.status();
  auto aliyun = LoadIni(env, AliyunLogCliPath(), &cli_found);
  if (!aliyun.ok()) return aliyun.status();
  // The aliyun CLI keeps its default under [main].
  std::string aliyun_section = profile == "default" ? "main" : profile;
  bool in_own = own->sections.count(profile) > 0;
  bool in_aliyun = aliyun->sections.count(aliyun_section) > 0;
  if (profile_explicit && !in_own && !in_aliyun) {
    std::string names;
    for (auto& n : own->order) names += (names.empty() ? "" : ", ") + n;
    for (auto& n : aliyun->order) names += (names.empty() ? "" : ", ") + n + " (~/.aliyunlogcli)";
    return Status::Config("profile '" + profile + "' not found in " + SlsflowConfigPath() + " or " +
                          AliyunLogCliPath() + (names.empty() ? "; none exist: run 'slsflow configure'" : "; profiles: " + names));
  }
  if (in_own || in_aliyun) s.profile = profile;

  // One value: flag > env > own profile > aliyun CLI profile.
  auto pick = [&](const std::string& name, const std::string& flag, const char* env_name,
                  std::initializer_list<const char*> own_keys, std::initializer_list<const char*> cli_keys) {
    if (!flag.empty()) {
      s.origin[name] = "flag";
      return flag;
    }
    if (env_name) {
      std::string v = Getenv(env_name);
      if (!v.empty()) {
        s.origin[name] = std::string("env ") + env_name;
        return v;
      }
    }
    for (const char* k : own_keys)
      if (auto* v = own->Find(profile, k); v && !v->empty()) {
        s.origin[name] = "profile " + profile;
        return *v;
      }
    for (const char* k : cli_keys)
      if (auto* v = aliyun->Find(aliyun_section, k); v && !v->empty()) {
        s.origin[name] = "~/.aliyunlogcli [" + aliyun_section + "]";
        return *v;
      }
    return std::string();
  };

  std::string endpoint = pick("endpoint", flags.endpoint, "SLSFLOW_ENDPOINT", {"endpoint"}, {"region-endpoint", "endpoint"});
  s.project = pick("project", flags.project, "SLSFLOW_PROJECT", {"project"}, {"project"});
  s.credentials.access_key_id =
      pick("access_key_id", flags.access_key_id, "ALIBABA_CLOUD_ACCESS_KEY_ID", {"access_key_id"}, {"access-id"});
  s.credentials.access_key_secret = pick("access_key_secret", flags.access_key_secret, "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
                                         {"access_key_secret"}, {"access-key"});
  s.credentials.security_token = pick("security_token", flags.security_token, "ALIBABA_CLOUD_SECURITY_TOKEN",
                                      {"security_token"}, {"sts-token"});
  std::string sign = pick("sign", flags.sign_version, "SLSFLOW_SIGN", {"sign"}, {});
  std::string region = pick("region", flags.region, nullptr, {"region"}, {});
  s.logstores = flags.logstores;
  if (s.logstores.empty()) {
    std::string ls = pick("logstore", "", "SLSFLOW_LOGSTORE", {"logstore"}, {});
    if (!ls.empty()) s.logstores.push_back(ls);
  }
  if (auto it = own->sections.find(profile); it != own->sections.end())
    for (auto& [k, v] : it->second)
      if (!k.empty() && std::isupper(static_cast<unsigned char>(k[0]))) s.extra[k] = v;

  if (!flags.access_key_secret.empty())
    spdlog::warn("--access-key-secret is visible to other users in ps; prefer ALIBABA_CLOUD_ACCESS_KEY_SECRET or a profile");

  if (endpoint.empty())
    return Status::Config("no endpoint: pass --endpoint, set SLSFLOW_ENDPOINT, or add 'endpoint =' to a profile (slsflow configure)");
  auto ep = ParseEndpoint(endpoint);
  if (!ep.ok()) return Status::Config(ep.status().message());
  s.endpoint = *ep;
  if (need_project && s.project.empty())
    return Status::Config("no project: pass -p/--project, set SLSFLOW_PROJECT, or add 'project =' to a profile");
  if (s.credentials.access_key_id.empty() != s.credentials.access_key_secret.empty())
    return Status::Config(s.credentials.access_key_id.empty()
                              ? "an access key secret was given without an access key id"
                              : "access key id '" + s.credentials.access_key_id + "' has no secret: set ALIBABA_CLOUD_ACCESS_KEY_SECRET or add it to the profile");
  // A local endpoint (an emulator with --no-auth) may go unsigned.
  if (need_credentials && s.credentials.empty() && !s.endpoint.connect_direct)
    return Status::Config("no credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, or use --profile (slsflow configure)");

  if (sign.empty() || sign == "v1") {
    s.sign.version = SignatureVersion::kV1;
  } else if (sign == "v4") {
    s.sign.version = SignatureVersion::kV4;
  } else {
    return Status::Config("sign must be v1 or v4, not '" + sign + "'");
  }
  s.sign.region = !region.empty() ? region : s.endpoint.Region();
  if (s.sign.version == SignatureVersion::kV4 && s.sign.region.empty())
    return Status::Config("signature v4 needs a region: pass --region (the endpoint " + s.endpoint.host + " names none)");

  s.http.ca_file = flags.ca_file;
  s.http.insecure = flags.insecure;
  if (flags.insecure)
    spdlog::warn("--insecure: TLS certificates are NOT verified; anyone on the path can read and change this traffic");
  if (flags.timeout_ms > 0) s.http.timeout_ms = flags.timeout_ms;
  if (flags.verbosity >= 2) s.http.trace = [](const std::string& line) { spdlog::debug("{}", line); };
  return s;
}

std::unique_ptr<SlsClient> MakeClient(const Settings& settings) {
  ClientOptions o;
  o.endpoint = settings.endpoint;
  o.project = settings.project;
  o.credentials = settings.credentials;
  o.sign = settings.sign;
  o.user_agent = "slsflow";
  o.profile_name = settings.profile;
  return std::make_unique<SlsClient>(o, NewCurlTransport(settings.http));
}

void SetupLogging(const CommonFlags& flags) {
  // Built by hand, not through the registry, so that calling this twice is harmless.
  spdlog::sink_ptr sink;
  if (UseColor(flags))
    sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  else
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>("slsflow", sink);
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
}

bool UseColor(const CommonFlags& flags, bool for_stdout) {
  if (flags.color == "always") return true;
  if (flags.color == "never") return false;
  if (!Getenv("NO_COLOR").empty()) return false;
  return isatty(for_stdout ? STDOUT_FILENO : STDERR_FILENO) == 1;
}

int ReportError(const Status& status) {
  if (status.ok()) return 0;
  std::fprintf(stderr, "slsflow: %s\n", status.ToString().c_str());
  std::fflush(stderr);
  return status.ExitCode();
}

Result<uint64_t> ParseSize(const std::string& text, const char* flag) {
  size_t i = 0;
  uint64_t v = 0;
  bool overflow = false;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    overflow |= v > (UINT64_MAX - 9) / 10;
    v = v * 10 + static_cast<unsigned>(text[i] - '0');
  }
  std::string unit = text.substr(i);
  for (auto& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  int shift = -1;
  if (unit.empty() || unit == "B") shift = 0;
  else if (unit == "K" || unit == "KB" || unit == "KIB") shift = 10;
  else if (unit == "M" || unit == "MB" || unit == "MIB") shift = 20;
  else if (unit == "G" || unit == "GB" || unit == "GIB") shift = 30;
  if (i == 0 || shift < 0 || overflow || v > (UINT64_MAX >> shift))
    return Status::Usage(std::string(flag) + " takes a size like 512k, 100m or 1048576, not '" + text + "'");
  return v << shift;
}

}  // namespace slsflow::cli
