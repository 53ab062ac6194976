#include "cli/settings.h"

#include <spdlog/spdlog.h>

#include <cctype>
#include <cstdlib>

#include "cli/config_file.h"

namespace slsflow::cli {

std::string Getenv(const char* name) {
  const char* v = name ? std::getenv(name) : nullptr;
  return v ? v : "";
}

namespace {

std::string HomeDir() {
  std::string home = Getenv("HOME");
  return home.empty() ? "." : home;
}

std::string AliyunLogCliPath() {
  std::string p = Getenv("SLSFLOW_ALIYUNLOGCLI");
  return p.empty() ? HomeDir() + "/.aliyunlogcli" : p;
}

// An INI file if it exists (empty otherwise); warns when others can read
// the secrets in it.
Result<IniFile> LoadIni(Env* env, const std::string& path) {
  if (!env->FileExists(path)) return IniFile{};
  std::string text;
  Status st = env->ReadFile(path, &text, 1 << 20);
  if (!st.ok()) return Status::Config(st.message());
  auto mode = env->FileMode(path);
  if (mode.ok() && (*mode & 0044) != 0)
    spdlog::warn("{} is readable by other users and may hold secrets; run: chmod 600 {}", path, path);
  return ParseIni(text, path);
}

// One value and the places it may come from.
struct ValueSpec {
  const char* name;
  const std::string& flag_value;
  const char* flag_name;  // nullptr: no flag
  const char* env_name;   // nullptr: no variable
  std::vector<const char*> own_keys;
  std::vector<const char*> cli_keys;
};

// A credential set from one source.
struct CredentialSet {
  Credentials credentials;
  std::string source;
  std::string add_secret;  // how to give this source its secret
};

// The config files, read once, and the lookup order of every value.
class Sources {
 public:
  Sources(const CommonFlags& flags, Env* env) : flags_(flags) {
    own_path_ = SlsflowConfigPath();
    cli_path_ = AliyunLogCliPath();
    auto own = LoadIni(env, own_path_);
    if (own.ok())
      own_ = std::move(*own);
    else
      problems_.push_back(own.status());
    auto cli = LoadIni(env, cli_path_);
    if (cli.ok())
      cli_ = std::move(*cli);
    else
      problems_.push_back(cli.status());
    profile_ = !flags.profile.empty() ? flags.profile : Getenv("SLSFLOW_PROFILE");
    profile_named_ = !profile_.empty();
    profile_beats_env_ = !flags.profile.empty();
    if (profile_.empty()) profile_ = "default";
    // The aliyun CLI keeps its default under [main].
    cli_section_ = profile_ == "default" ? "main" : profile_;
    in_own_ = own_.sections.count(profile_) > 0;
    in_cli_ = cli_.sections.count(cli_section_) > 0;
    if (profile_named_ && !in_own_ && !in_cli_ && problems_.empty()) problems_.push_back(ProfileNotFound());
  }

  const std::vector<Status>& problems() const { return problems_; }
  const std::string& profile() const { return profile_; }
  // The profile in use, where it was named, and the files it was looked for in.
  ShownSetting ShownProfile() const {
    ShownSetting shown;
    shown.name = "profile";
    if (profile_found()) {
      shown.value = profile_;
      shown.origin = !flags_.profile.empty() ? "--profile" : profile_named_ ? "env SLSFLOW_PROFILE" : "the default";
    } else {
      shown.looked = {OwnPlace(), CliPlace()};
    }
    return shown;
  }
  bool profile_found() const { return in_own_ || in_cli_; }
  std::string OwnPlace() const { return "profile " + profile_ + " in " + own_path_; }
  std::string CliPlace() const { return "[" + cli_section_ + "] of " + cli_path_; }

  ShownSetting Lookup(const ValueSpec& spec) const {
    ShownSetting out;
    out.name = spec.name;
    auto take = [&](const std::string& value, const std::string& place) {
      if (!out.value.empty()) return;
      out.looked.push_back(place);
      if (!value.empty()) {
        out.value = value;
        out.origin = place;
      }
    };
    auto env = [&] {
      if (spec.env_name) take(Getenv(spec.env_name), std::string("env ") + spec.env_name);
    };
    auto profiles = [&] {
      if (!spec.own_keys.empty()) take(FirstOf(own_, profile_, spec.own_keys), OwnPlace());
      if (!spec.cli_keys.empty()) take(FirstOf(cli_, cli_section_, spec.cli_keys), CliPlace());
    };
    if (spec.flag_name) take(spec.flag_value, spec.flag_name);
    if (profile_beats_env_) {
      profiles();
      env();
    } else {
      env();
      profiles();
    }
    return out;
  }

  // Every source that could hold credentials, in precedence order.
  std::vector<CredentialSet> CredentialSources() const {
    const std::string env_secret = Getenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET");
    const std::string env_token = Getenv("ALIBABA_CLOUD_SECURITY_TOKEN");
    // Flags and environment are one source: a flag beats its variable.
    auto from_flags_and_env = [&](const std::string& id, const char* id_name) {
      CredentialSet set;
      set.credentials = {id, Or(flags_.access_key_secret, env_secret), Or(flags_.security_token, env_token)};
      set.source = std::string(id_name) + " and " +
                   (!flags_.access_key_secret.empty() ? "--access-key-secret" : "ALIBABA_CLOUD_ACCESS_KEY_SECRET");
      set.add_secret = "set ALIBABA_CLOUD_ACCESS_KEY_SECRET";
      return set;
    };
    auto own = [&] {
      CredentialSet set;
      set.credentials = {FirstOf(own_, profile_, {"access_key_id"}), FirstOf(own_, profile_, {"access_key_secret"}),
                         FirstOf(own_, profile_, {"security_token"})};
      set.source = OwnPlace();
      set.add_secret = "run 'slsflow configure --profile " + profile_ + "'";
      return set;
    };
    auto cli = [&] {
      CredentialSet set;
      set.credentials = {FirstOf(cli_, cli_section_, {"access-id"}), FirstOf(cli_, cli_section_, {"access-key"}),
                         FirstOf(cli_, cli_section_, {"sts-token"})};
      set.source = CliPlace();
      set.add_secret = "add 'access-key =' to it";
      return set;
    };
    // Every place, even one without an id: `config show` names them all.
    std::vector<CredentialSet> sets;
    sets.push_back(from_flags_and_env(flags_.access_key_id, "--access-key-id"));
    if (profile_beats_env_) {
      sets.push_back(own());
      sets.push_back(cli());
    }
    sets.push_back(from_flags_and_env(Getenv("ALIBABA_CLOUD_ACCESS_KEY_ID"), "ALIBABA_CLOUD_ACCESS_KEY_ID"));
    if (!profile_beats_env_) {
      sets.push_back(own());
      sets.push_back(cli());
    }
    return sets;
  }

  // The first set with an id; a Config error when it has no secret, or
  // when a secret was given with no id anywhere. `source` empty: none.
  Result<CredentialSet> ChooseCredentials() const {
    for (auto& set : CredentialSources()) {
      if (set.credentials.access_key_id.empty()) continue;
      if (set.credentials.access_key_secret.empty())
        return Status::Config("access key id '" + set.credentials.access_key_id + "' (from " + set.source +
                              ") has no secret there: " + set.add_secret +
                              "; a secret from another place is never paired with it");
      return set;
    }
    if (!flags_.access_key_secret.empty() || !Getenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET").empty())
      return Status::Config(
          "an access key secret was given without an access key id: pass --access-key-id or set "
          "ALIBABA_CLOUD_ACCESS_KEY_ID");
    return CredentialSet{};
  }

  std::map<std::string, std::string> ExtraKeys() const {
    std::map<std::string, std::string> extra;
    if (auto it = own_.sections.find(profile_); it != own_.sections.end())
      for (auto& [k, v] : it->second)
        if (!k.empty() && std::isupper(static_cast<unsigned char>(k[0]))) extra[k] = v;
    return extra;
  }

 private:
  static std::string Or(const std::string& a, const std::string& b) { return a.empty() ? b : a; }

  static std::string FirstOf(const IniFile& ini, const std::string& section, const std::vector<const char*>& keys) {
    for (const char* k : keys)
      if (auto* v = ini.Find(section, k); v && !v->empty()) return *v;
    return std::string();
  }

  Status ProfileNotFound() const {
    std::string names;
    for (auto& n : own_.order) names += (names.empty() ? "" : ", ") + n;
    for (auto& n : cli_.order) names += (names.empty() ? "" : ", ") + n + " (~/.aliyunlogcli)";
    return Status::Config("profile '" + profile_ + "' not found in " + own_path_ + " or " + cli_path_ +
                          (names.empty() ? "; none exist: run 'slsflow configure'" : "; profiles: " + names));
  }

  const CommonFlags& flags_;
  std::string own_path_, cli_path_;
  IniFile own_, cli_;
  std::vector<Status> problems_;
  std::string profile_, cli_section_;
  bool profile_named_ = false, profile_beats_env_ = false, in_own_ = false, in_cli_ = false;
};

struct Looked {
  ShownSetting endpoint, project, logstore, sign, region;
};

Looked LookUpValues(const Sources& src, const CommonFlags& flags) {
  static const std::string kNone;
  std::string logstores;
  for (const auto& l : flags.logstores) logstores += (logstores.empty() ? "" : ",") + l;
  Looked v;
  v.endpoint = src.Lookup(
      {"endpoint", flags.endpoint, "--endpoint", "SLSFLOW_ENDPOINT", {"endpoint"}, {"region-endpoint", "endpoint"}});
  v.project = src.Lookup({"project", flags.project, "-p/--project", "SLSFLOW_PROJECT", {"project"}, {"project"}});
  v.logstore = src.Lookup({"logstore", logstores, "-l/--logstore", "SLSFLOW_LOGSTORE", {"logstore"}, {}});
  v.sign = src.Lookup({"sign", flags.sign_version, "--sign", "SLSFLOW_SIGN", {"sign"}, {}});
  v.region = src.Lookup({"region", flags.region, "--region", nullptr, {"region"}, {}});
  return v;
}

}  // namespace

std::string SlsflowConfigPath() {
  std::string p = Getenv("SLSFLOW_CONFIG");
  if (!p.empty()) return p;
  std::string xdg = Getenv("XDG_CONFIG_HOME");
  return (xdg.empty() ? HomeDir() + "/.config" : xdg) + "/slsflow/config";
}

Result<Settings> ResolveSettings(const CommonFlags& flags, Env* env, bool need_project, bool need_credentials) {
  Sources src(flags, env);
  if (!src.problems().empty()) return src.problems().front();
  Settings s;
  if (src.profile_found()) s.profile = src.profile();
  Looked v = LookUpValues(src, flags);
  for (const ShownSetting* shown : {&v.endpoint, &v.project, &v.logstore, &v.sign, &v.region})
    if (!shown->value.empty()) s.origin[shown->name] = shown->origin;
  s.project = v.project.value;
  s.logstores = flags.logstores;
  if (s.logstores.empty() && !v.logstore.value.empty()) s.logstores.push_back(v.logstore.value);
  s.extra = src.ExtraKeys();

  if (!flags.access_key_secret.empty())
    spdlog::warn(
        "--access-key-secret is visible to other users in ps; prefer ALIBABA_CLOUD_ACCESS_KEY_SECRET or a profile");
  auto creds = src.ChooseCredentials();
  if (!creds.ok()) return creds.status();
  s.credentials = creds->credentials;
  s.credential_source = creds->source;
  if (!creds->source.empty())
    for (const char* name : {"access_key_id", "access_key_secret", "security_token"}) s.origin[name] = creds->source;

  if (v.endpoint.value.empty())
    return Status::Config(
        "no endpoint: pass --endpoint, set SLSFLOW_ENDPOINT, or add 'endpoint =' to a profile (slsflow configure)");
  auto ep = ParseEndpoint(v.endpoint.value);
  if (!ep.ok()) return Status::Config(ep.status().message());
  s.endpoint = *ep;
  if (need_project && s.project.empty())
    return Status::Usage("no project: pass -p/--project, set SLSFLOW_PROJECT, or add 'project =' to a profile");
  // A local endpoint (an emulator with --no-auth) may go unsigned.
  if (need_credentials && s.credentials.empty() && !s.endpoint.connect_direct)
    return Status::Config(
        "no credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, or use --profile "
        "(slsflow configure)");

  const std::string& sign = v.sign.value;
  if (sign.empty() || sign == "v1") {
    s.sign.version = SignatureVersion::kV1;
  } else if (sign == "v4") {
    s.sign.version = SignatureVersion::kV4;
  } else {
    return Status::Config("sign must be v1 or v4, not '" + sign + "' (from " + v.sign.origin + ")");
  }
  s.sign.region = !v.region.value.empty() ? v.region.value : s.endpoint.Region();
  if (s.sign.version == SignatureVersion::kV4 && s.sign.region.empty())
    return Status::Config("signature v4 needs a region: pass --region (the endpoint " + s.endpoint.host +
                          " names none)");

  s.http.ca_file = flags.ca_file;
  s.http.insecure = flags.insecure;
  if (flags.insecure)
    spdlog::warn("--insecure: TLS certificates are NOT verified; anyone on the path can read and change this traffic");
  if (flags.timeout_us > 0) s.http.timeout_ms = static_cast<int>(std::max<int64_t>(1, flags.timeout_us / 1000));
  if (flags.verbosity >= 2) s.http.trace = [](const std::string& line) { spdlog::debug("{}", line); };
  return s;
}

SettingsReport ReportSettings(const CommonFlags& flags, Env* env) {
  Sources src(flags, env);
  SettingsReport r;
  for (const auto& p : src.problems()) r.problems.push_back(p.message());
  if (src.profile_found()) r.profile = src.profile();
  r.extra = src.ExtraKeys();
  Looked v = LookUpValues(src, flags);
  r.settings = {src.ShownProfile(), v.endpoint, v.project, v.logstore};

  auto creds = src.ChooseCredentials();
  if (!creds.ok()) r.problems.push_back(creds.status().message());
  std::vector<std::string> looked;
  for (const auto& set : src.CredentialSources()) looked.push_back(set.source);
  const bool chosen = creds.ok() && !creds->source.empty();
  if (chosen) r.credential_source = creds->source;
  auto credential = [&](const char* name, const std::string& value) {
    ShownSetting shown;
    shown.name = name;
    shown.value = value;
    if (chosen) shown.origin = creds->source;
    if (value.empty()) shown.looked = looked;
    r.settings.push_back(shown);
  };
  const Credentials none;
  const Credentials& c = creds.ok() ? creds->credentials : none;
  credential("access_key_id", c.access_key_id);
  credential("access_key_secret", c.access_key_secret);
  credential("security_token", c.security_token);
  r.settings.push_back(v.sign);
  r.settings.push_back(v.region);
  return r;
}

Status RequireLogstores(const Settings& settings, bool one) {
  if (settings.logstores.empty())
    return Status::Usage("no logstore: pass -l/--logstore, set SLSFLOW_LOGSTORE, or add 'logstore =' to a profile");
  if (one && settings.logstores.size() > 1)
    return Status::Usage("give one -l/--logstore (got " + std::to_string(settings.logstores.size()) +
                         "): this command works on one logstore");
  return Status::OK();
}

std::unique_ptr<SlsClient> MakeClient(const Settings& settings) {
  ClientOptions o;
  o.endpoint = settings.endpoint;
  o.project = settings.project;
  o.credentials = settings.credentials;
  o.sign = settings.sign;
  o.user_agent = "slsflow";
  o.credential_source = settings.credential_source;
  return std::make_unique<SlsClient>(o, NewCurlTransport(settings.http));
}

}  // namespace slsflow::cli
