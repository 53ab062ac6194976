// What every subcommand shares: where (endpoint, project, logstore) and who
// (credentials, profile), resolved with the precedence
//   flags > environment > --profile in ~/.config/slsflow/config > ~/.aliyunlogcli
// plus logging and the mapping of errors to exit codes.
#pragma once

#include <CLI/CLI.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/sls/client.h"
#include "core/base/env.h"
#include "core/sls/http.h"
#include "core/base/status.h"

namespace slsflow::cli {

struct CommonFlags {
  std::string endpoint;
  std::string project;
  std::vector<std::string> logstores;
  std::string profile;
  std::string access_key_id;
  std::string access_key_secret;  // on the command line it shows in ps: we warn
  std::string security_token;
  std::string sign_version;       // "v1" (default) | "v4"
  std::string region;             // for v4; default from the endpoint
  std::string ca_file;
  bool insecure = false;
  int timeout_ms = 0;
  int verbosity = 0;              // -v / -vv
  bool quiet = false;
  std::string color = "auto";     // auto|always|never
  std::string output = "table";   // listings: table|json|csv
};

enum class LogstoreArity { kNone, kOne, kMany };

// Adds --endpoint, -p/--project, -l/--logstore, --profile, the credential
// flags, -v, --quiet, --color, and (when `listing`) --output.
void AddCommonFlags(CLI::App* cmd, CommonFlags* flags, LogstoreArity logstores, bool listing = false);

struct Settings {
  Endpoint endpoint;
  std::string project;
  std::vector<std::string> logstores;
  Credentials credentials;
  SignOptions sign;
  HttpOptions http;
  std::string profile;  // the profile that supplied values, if any
  // Extra keys from the profile (e.g. the Flink-style LOG_FETCH_DATA_INTERVAL_MILLIS).
  std::map<std::string, std::string> extra;
  // Where each value came from ("flag", "env", "profile prod", "~/.aliyunlogcli [main]"),
  // for `slsflow config show`.
  std::map<std::string, std::string> origin;
};

// kConfig (exit 3) when something required is missing, naming where to set it.
Result<Settings> ResolveSettings(const CommonFlags& flags, Env* env = Env::Default(),
                                 bool need_project = true, bool need_credentials = true);

std::unique_ptr<SlsClient> MakeClient(const Settings& settings);

// Sets up spdlog on stderr from -v/-vv/--quiet.
void SetupLogging(const CommonFlags& flags);

// True when colour should be used on stderr (or stdout when `for_stdout`).
bool UseColor(const CommonFlags& flags, bool for_stdout = false);

// A size flag: digits and an optional unit, either case: B, K/KB/KiB,
// M/MB/MiB, G/GB/GiB (all powers of 1024). kUsage naming `flag` otherwise.
Result<uint64_t> ParseSize(const std::string& text, const char* flag);

// Prints "slsflow: <message>" on stderr and returns the exit code.
int ReportError(const Status& status);

}  // namespace slsflow::cli
