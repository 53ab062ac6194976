#include "cli/common.h"

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
    for (const char* v : {"SLSFLOW_ENDPOINT", "SLSFLOW_PROJECT", "SLSFLOW_PROFILE", "SLSFLOW_LOGSTORE",
                          "ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
                          "ALIBABA_CLOUD_SECURITY_TOKEN", "SLSFLOW_SIGN"})
      unsetenv(v);
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink));
  }
  void Write(const std::string& path, const std::string& text, mode_t mode = 0600) {
    test::WriteFileOrDie(path, text);
    chmod(path.c_str(), mode);
  }
};

TEST_CASE("one size grammar for every size flag, either case") {
  CHECK(*cli::ParseSize("512k", "--x") == 512u << 10);
  CHECK(*cli::ParseSize("100M", "--x") == 100u << 20);
  CHECK(*cli::ParseSize("1g", "--x") == 1ull << 30);
  CHECK(*cli::ParseSize("2KiB", "--x") == 2048);
  CHECK(*cli::ParseSize("7", "--x") == 7);
  for (const char* bad : {"", "k", "1x", "-1", "99999999999999999999", "17179869184G"}) {
    auto r = cli::ParseSize(bad, "--rotate-size");
    INFO(bad);
    CHECK(r.status().ExitCode() == 2);
    CHECK(r.status().message().find("--rotate-size") != std::string::npos);
  }
}

}  // namespace

TEST_CASE("precedence: flags > env > slsflow profile > ~/.aliyunlogcli") {
  ConfigSandbox box;
  box.Write(box.aliyun,
            "[main]\naccess-id = cli-id\naccess-key = cli-secret\nregion-endpoint = cn-beijing.log.aliyuncs.com\n"
            "[prod]\naccess-id = cli-prod-id\naccess-key = cli-prod-secret\nregion-endpoint = cn-shanghai.log.aliyuncs.com\n");
  CommonFlags flags;

  // Only the aliyun CLI file: its [main] section.
  auto s = ResolveSettings(flags, Env::Default(), false, true);
  REQUIRE_MESSAGE(s.ok(), s.status().ToString());
  CHECK(s->credentials.access_key_id == "cli-id");
  CHECK(s->endpoint.host == "cn-beijing.log.aliyuncs.com");
  CHECK(s->origin["access_key_id"] == "~/.aliyunlogcli [main]");

  // Our own profile wins over the aliyun CLI.
  box.Write(box.own, "[default]\nendpoint = http://127.0.0.1:9\nproject = own-project\naccess_key_id = own-id\n"
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

  // A named profile that exists only in ~/.aliyunlogcli.
  unsetenv("ALIBABA_CLOUD_ACCESS_KEY_ID");
  unsetenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET");
  CommonFlags prod;
  prod.profile = "prod";
  s = ResolveSettings(prod, Env::Default(), true, true);
  REQUIRE(s.ok());
  CHECK(s->credentials.access_key_id == "cli-prod-id");
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
  box.Write(box.own, "[default]\nendpoint = cn-hangzhou.log.aliyuncs.com\naccess_key_id = id\naccess_key_secret = topsecret\n",
            0644);
  CommonFlags flags;
  auto s = ResolveSettings(flags, Env::Default(), true, true);
  CHECK(box.log.str().find("readable by other users") != std::string::npos);
  CHECK(box.log.str().find("chmod 600") != std::string::npos);
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().ExitCode() == 3);
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

TEST_CASE("INI parsing") {
  auto ini = ParseIni("# c\n[a]\nk = v\n; c\nx: y\n[b]\n", "f");
  REQUIRE(ini.ok());
  CHECK(*ini->Find("a", "k") == "v");
  CHECK(*ini->Find("a", "x") == "y");
  CHECK(ini->order == std::vector<std::string>{"a", "b"});
  CHECK(FormatIni(*ini) == "[a]\nk = v\nx = y\n\n[b]\n");
  auto bad = ParseIni("k = v\n", "f");
  CHECK_FALSE(bad.ok());
  CHECK(bad.status().message().find("f:1") != std::string::npos);
  CHECK_FALSE(ParseIni("[a\n", "f").ok());
}
