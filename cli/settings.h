// Where a command's settings come from. Every value is looked up in order:
//   its flag; the profile named by --profile; its environment variable;
//   the profile named by SLSFLOW_PROFILE (or "default") in
//   ~/.config/slsflow/config; the same profile in ~/.aliyunlogcli.
// An explicit --profile beats the environment, as `aws --profile` does.
//
// Credentials are one set (id, secret, STS token) taken together from the
// first source that has an id, never an id from one place and a secret from
// another: the flags and their environment variables form one source (a
// flag beats the variable of the same name), each profile another.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cli/common.h"
#include "core/base/env.h"
#include "core/base/status.h"
#include "core/sls/client.h"
#include "core/sls/http.h"

namespace slsflow::cli {

struct Settings {
  Endpoint endpoint;
  std::string project;
  std::vector<std::string> logstores;
  Credentials credentials;
  // Where the credentials came from, for advice on an auth error:
  // "ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET", "profile 'prod' in PATH", ...
  std::string credential_source;
  SignOptions sign;
  HttpOptions http;
  std::string profile;  // the profile that supplied values, if any
  // Extra keys from the profile (e.g. the Flink-style LOG_FETCH_DATA_INTERVAL_MILLIS).
  std::map<std::string, std::string> extra;
  // Where each value came from ("--endpoint", "env SLSFLOW_PROJECT", "profile prod (PATH)").
  std::map<std::string, std::string> origin;
};

// kConfig (exit 3) when the endpoint or credentials are missing or a
// config file is broken; kUsage (exit 2) when the project is; each names
// where to set it.
Result<Settings> ResolveSettings(const CommonFlags& flags, Env* env = Env::Default(), bool need_project = true,
                                 bool need_credentials = true);

// One setting as `config show` prints it: the value (secrets masked) and
// where it came from, or, when unset, every place that was looked at.
struct ShownSetting {
  std::string name;
  std::string value;
  std::string origin;
  std::vector<std::string> looked;
};

struct SettingsReport {
  std::vector<ShownSetting> settings;
  std::map<std::string, std::string> extra;  // the profile's upper-case keys
  std::string profile;
  std::string credential_source;
  // What would stop a command: a broken file, a missing --profile, half a
  // credential set. `config show` lists them and still exits 0.
  std::vector<std::string> problems;
};

// Never fails: `config show` must work when nothing is configured.
SettingsReport ReportSettings(const CommonFlags& flags, Env* env = Env::Default());

// kUsage unless `settings` names a logstore (exactly one when `one`).
Status RequireLogstores(const Settings& settings, bool one);

std::unique_ptr<SlsClient> MakeClient(const Settings& settings);

// $SLSFLOW_CONFIG, else $XDG_CONFIG_HOME/slsflow/config, else ~/.config/slsflow/config.
std::string SlsflowConfigPath();

// The environment variable's value, "" when unset: every subcommand treats
// an empty variable as an unset one.
std::string Getenv(const char* name);

}  // namespace slsflow::cli
