#include "cli/settings.h"

#include <doctest/doctest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cstdlib>
#include <sstream>

#include "cli/config_file.h"
#include "tests/test_util.h"

using namespace slsflow;
using namespace slsflow::cli;

namespace {

// Points the resolver at files in a temp dir and clears the environment it reads.
struct ConfigSandbox {
  std::string dir = test::MakeTempDir("slsflow-config");
  std::string own = dir + "/config";
  std::string aliyun = dir + "/aliyunlogcli";
  std::ostringstream log;
  ConfigSandbox() {
    setenv("SLSFLOW_CONFIG", own.c_str(), 1);
    setenv("SLSFLOW_ALIYUNLOGCLI", aliyun.c_str(), 1);
    for (const char* v :
         {"SLSFLOW_ENDPOINT", "SLSFLOW_PROJECT", "SLSFLOW_PROFILE", "SLSFLOW_LOGSTORE", "ALIBABA_CLOUD_ACCESS_KEY_ID",
          "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_SECURITY_TOKEN", "SLSFLOW_SIGN"})
      unsetenv(v);
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink));
  }
  void Write(const std::string& path, const std::string& text, mode_t mode = 0600) {
    test::WriteFileOrDie(path, text);
    chmod(path.c_str(), mode);
  }
};

}  // namespace

TEST_CASE("precedence: flags > env > slsflow profile > ~/.aliyunlogcli; an explicit --profile beats env") {
  ConfigSandbox box;
  box.Write(box.aliyun,
            "[main]\naccess-id = cli-id\naccess-key = cli-secret\nregion-endpoint = cn-beijing.log.aliyuncs.com\n"
            "[prod]\naccess-id = cli-prod-id\naccess-key = cli-prod-secret\nregion-endpoint = "
            "cn-shanghai.log.aliyuncs.com\n");
  CommonFlags flags;

  // Only the aliyun CLI file: its [main] section.
  auto s = ResolveSettings(flags, Env::Default(), false, true);
  REQUIRE_MESSAGE(s.ok(), s.status().ToString());
  CHECK(s->credentials.access_key_id == "cli-id");
  CHECK(s->endpoint.host == "cn-beijing.log.aliyuncs.com");
  CHECK(s->origin["access_key_id"] == "[main] of " + box.aliyun);
  CHECK(s->credential_source == "[main] of " + box.aliyun);

  // Our own profile wins over the aliyun CLI.
  box.Write(box.own,
            "[default]\nendpoint = http://127.0.0.1:9\nproject = own-project\naccess_key_id = own-id\n"
            "access_key_secret = own-secret\nLOG_MAX_NUMBER_PER_FETCH = 50\n");
  s = ResolveSettings(flags, Env::Default(), true, true);
  REQUIRE(s.ok());
  CHECK(s->credentials.access_key_id == "own-id");
  CHECK(s->project == "own-project");
  CHECK(s->extra["LOG_MAX_NUMBER_PER_FETCH"] == "50");

  // Environment wins over the profile.
  setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "env-id", 1);
  setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-secret", 1);
  setenv("SLSFLOW_PROJECT", "env-project", 1);
  s = ResolveSettings(flags, Env::Default(), true, true);
  REQUIRE(s.ok());
  CHECK(s->credentials.access_key_id == "env-id");
  CHECK(s->credentials.access_key_secret == "env-secret");
  CHECK(s->project == "env-project");
  CHECK(s->origin["project"] == "env SLSFLOW_PROJECT");

  // Flags win over everything.
  flags.project = "flag-project";
  flags.access_key_id = "flag-id";
  flags.access_key_secret = "flag-secret";
  s = ResolveSettings(flags, Env::Default(), true, true);
  REQUIRE(s.ok());
  CHECK(s->project == "flag-project");
  CHECK(s->credentials.access_key_id == "flag-id");
  CHECK(box.log.str().find("visible to other users in ps") != std::string::npos);
  CHECK(box.log.str().find("flag-secret") == std::string::npos);

  // An explicit --profile beats the environment (as aws --profile does):
  // a profile that exists only in ~/.aliyunlogcli, with env credentials set.
  CommonFlags prod;
  prod.profile = "prod";
  s = ResolveSettings(prod, Env::Default(), true, true);
  REQUIRE(s.ok());
  CHECK(s->credentials.access_key_id == "cli-prod-id");
  CHECK(s->credentials.access_key_secret == "cli-prod-secret");
  CHECK(s->project == "env-project");  // the profile has none: the environment's
  unsetenv("ALIBABA_CLOUD_ACCESS_KEY_ID");
  unsetenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET");
  s = ResolveSettings(prod, Env::Default(), true, true);
  REQUIRE(s.ok());
  CHECK(s->endpoint.host == "cn-shanghai.log.aliyuncs.com");
  CHECK(s->sign.region == "cn-shanghai");
  unsetenv("SLSFLOW_PROJECT");
}

TEST_CASE("a missing profile is a config error naming the profiles that exist") {
  ConfigSandbox box;
  box.Write(box.own, "[default]\nendpoint = http://127.0.0.1:9\n[staging]\nendpoint = http://127.0.0.1:10\n");
  box.Write(box.aliyun, "[main]\naccess-id = a\naccess-key = b\n");
  CommonFlags flags;
  flags.profile = "prdo";
  auto s = ResolveSettings(flags, Env::Default(), false, false);
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().ExitCode() == 3);
  CHECK(s.status().message().find("'prdo' not found") != std::string::npos);
  CHECK(s.status().message().find("staging") != std::string::npos);
  CHECK(s.status().message().find("main (~/.aliyunlogcli)") != std::string::npos);
}

TEST_CASE("a config file others can read gets a warning; missing pieces say where to set them") {
  ConfigSandbox box;
  box.Write(box.own,
            "[default]\nendpoint = cn-hangzhou.log.aliyuncs.com\naccess_key_id = id\naccess_key_secret = topsecret\n",
            0644);
  CommonFlags flags;
  auto s = ResolveSettings(flags, Env::Default(), true, true);
  CHECK(box.log.str().find("readable by other users") != std::string::npos);
  CHECK(box.log.str().find("chmod 600") != std::string::npos);
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().ExitCode() == 2);  // what to work on is missing: usage, like -l
  CHECK(s.status().message().find("-p/--project") != std::string::npos);
  CHECK(s.status().message().find("topsecret") == std::string::npos);

  box.Write(box.own, "[default]\nendpoint = cn-hangzhou.log.aliyuncs.com\nproject = p\n");
  s = ResolveSettings(flags, Env::Default(), true, true);
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().message().find("ALIBABA_CLOUD_ACCESS_KEY_ID") != std::string::npos);

  // A local emulator may be used without credentials.
  flags.endpoint = "http://127.0.0.1:8080";
  s = ResolveSettings(flags, Env::Default(), true, true);
  CHECK(s.ok());
}

TEST_CASE("credentials are one set: an id is never paired with a secret from another place") {
  ConfigSandbox box;
  box.Write(box.own,
            "[default]\nendpoint = http://127.0.0.1:9\nproject = p\naccess_key_id = own-id\n"
            "access_key_secret = own-secret\n[half]\naccess_key_id = half-id\n");
  CommonFlags flags;

  // An id in the environment without its secret: not the profile's secret.
  setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "env-id", 1);
  auto s = ResolveSettings(flags, Env::Default(), true, true);
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().ExitCode() == 3);
  CHECK(s.status().message().find("'env-id' (from ALIBABA_CLOUD_ACCESS_KEY_ID") != std::string::npos);
  CHECK(s.status().message().find("ALIBABA_CLOUD_ACCESS_KEY_SECRET") != std::string::npos);
  CHECK(s.status().message().find("own-secret") == std::string::npos);

  // --access-key-id with the secret in the environment: one source, as --help advises.
  setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-secret", 1);
  unsetenv("ALIBABA_CLOUD_ACCESS_KEY_ID");
  flags.access_key_id = "flag-id";
  s = ResolveSettings(flags, Env::Default(), true, true);
  REQUIRE(s.ok());
  CHECK(s->credentials.access_key_id == "flag-id");
  CHECK(s->credentials.access_key_secret == "env-secret");
  CHECK(s->credential_source == "--access-key-id and ALIBABA_CLOUD_ACCESS_KEY_SECRET");

  // A secret in the environment does not complete a profile's id, nor does
  // it take the place of the profile's own secret.
  flags.access_key_id.clear();
  s = ResolveSettings(flags, Env::Default(), true, true);
  REQUIRE(s.ok());
  CHECK(s->credentials.access_key_id == "own-id");
  CHECK(s->credentials.access_key_secret == "own-secret");
  CHECK(s->credential_source == "profile default in " + box.own);
  flags.profile = "half";
  s = ResolveSettings(flags, Env::Default(), true, true);
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().message().find("'half-id' (from profile half in " + box.own) != std::string::npos);
  CHECK(s.status().message().find("slsflow configure --profile half") != std::string::npos);
  unsetenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET");

  // A secret with no id anywhere says so.
  CommonFlags lone;
  lone.access_key_secret = "s";
  box.Write(box.own, "[default]\nendpoint = http://127.0.0.1:9\n");
  s = ResolveSettings(lone, Env::Default(), false, true);
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().message().find("without an access key id") != std::string::npos);
}

TEST_CASE("SLSFLOW_PROFILE names the profile but does not beat the environment, as --profile does") {
  ConfigSandbox box;
  box.Write(box.own, "[prod]\nendpoint = http://127.0.0.1:9\naccess_key_id = prod-id\naccess_key_secret = prod-s\n");
  setenv("SLSFLOW_PROFILE", "prod", 1);
  setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "env-id", 1);
  setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-s", 1);
  CommonFlags flags;
  auto s = ResolveSettings(flags, Env::Default(), false, true);
  REQUIRE(s.ok());
  CHECK(s->credentials.access_key_id == "env-id");
  flags.profile = "prod";
  s = ResolveSettings(flags, Env::Default(), false, true);
  REQUIRE(s.ok());
  CHECK(s->credentials.access_key_id == "prod-id");
  for (const char* v : {"SLSFLOW_PROFILE", "ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"})
    unsetenv(v);
}

TEST_CASE("the settings report works with nothing configured and names every place it looked") {
  ConfigSandbox box;
  CommonFlags flags;
  SettingsReport r = ReportSettings(flags, Env::Default());
  CHECK(r.problems.empty());
  REQUIRE(r.settings.size() >= 8);
  for (const auto& shown : r.settings) {
    INFO(shown.name);
    CHECK(shown.value.empty());
    CHECK_FALSE(shown.looked.empty());
  }
  auto find = [&](const std::string& name) {
    for (const auto& shown : r.settings)
      if (shown.name == name) return shown;
    FAIL("no setting " << name);
    return ShownSetting{};
  };
  auto endpoint = find("endpoint");
  CHECK(endpoint.looked == std::vector<std::string>{"--endpoint", "env SLSFLOW_ENDPOINT",
                                                    "profile default in " + box.own, "[main] of " + box.aliyun});
  CHECK(find("access_key_id").looked.size() == 4);

  // Broken files, a missing --profile and half a credential set are reported, not fatal.
  box.Write(box.own, "[default]\naccess_key_id = i\n[broken\n");
  r = ReportSettings(flags, Env::Default());
  REQUIRE(r.problems.size() >= 1);
  CHECK(r.problems.front().find("lacks ']'") != std::string::npos);
  box.Write(box.own, "[default]\naccess_key_id = i\n");
  flags.profile = "nope";
  r = ReportSettings(flags, Env::Default());
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems.front().find("'nope' not found") != std::string::npos);
  flags.profile.clear();
  r = ReportSettings(flags, Env::Default());
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems.front().find("has no secret") != std::string::npos);
  CHECK(find("profile").looked.empty());
}

TEST_CASE("a missing or doubled logstore is a usage error") {
  Settings s;
  CHECK(RequireLogstores(s, true).ExitCode() == 2);
  CHECK(RequireLogstores(s, true).message().find("-l/--logstore") != std::string::npos);
  s.logstores = {"a", "b"};
  CHECK(RequireLogstores(s, false).ok());
  CHECK(RequireLogstores(s, true).ExitCode() == 2);
  s.logstores = {"a"};
  CHECK(RequireLogstores(s, true).ok());
}
