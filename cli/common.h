// What every subcommand shares: the flags that say where (endpoint,
// project, logstore) and who (credentials, profile), logging, and the
// mapping of errors to messages and exit codes. The settings those flags
// resolve to are in cli/settings.h; the kinds of value in cli/values.h.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

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
  std::string sign_version;  // "v1" (default) | "v4"
  std::string region;        // for v4; default from the endpoint
  std::string ca_file;
  bool insecure = false;
  int64_t timeout_us = 0;  // --timeout; 0: the transport default (60 s)
  int verbosity = 0;       // -v / -vv
  bool quiet = false;
  std::string color = "auto";    // auto|always|never
  std::string format = "table";  // listings: table|json|csv
};

enum class LogstoreArity { kNone, kOne, kMany };

// Adds --endpoint, -p/--project, -l/--logstore, --profile, the credential
// flags, --timeout, -v, --quiet, --color, and (when `listing`) -f/--format.
void AddCommonFlags(CLI::App* cmd, CommonFlags* flags, LogstoreArity logstores, bool listing = false);

// Sets up spdlog on stderr from -v/-vv/--quiet.
void SetupLogging(const CommonFlags& flags);

// True when colour should be used on stderr (or stdout when `for_stdout`).
bool UseColor(const CommonFlags& flags, bool for_stdout = false);

// Prints "slsflow: <message>" on stderr and returns the exit code.
int ReportError(const Status& status);

}  // namespace slsflow::cli
