// `slsflow configure` and `config show`, run through the real command line
// with the config file in a temp dir and stdin not a terminal, as in CI.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cli/app.h"
#include "cli/config_file.h"
#include "tests/test_util.h"

using namespace slsflow;
using namespace slsflow::cli;

namespace {

// Sends `fd` (stdout or stderr) to a file while alive; Text() reads it back.
class Capture {
 public:
  Capture(int fd, const std::string& path) : fd_(fd), path_(path) {
    std::fflush(nullptr);
    saved_ = dup(fd_);
    int out = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    REQUIRE(out >= 0);
    dup2(out, fd_);
    ::close(out);
  }
  ~Capture() { Restore(); }
  std::string Text() {
    Restore();
    return test::ReadFileOrDie(path_);
  }

 private:
  void Restore() {
    if (saved_ < 0) return;
    std::fflush(nullptr);
    dup2(saved_, fd_);
    ::close(saved_);
    saved_ = -1;
  }
  int fd_;
  std::string path_;
  int saved_ = -1;
};

struct Ran {
  int code = 0;
  std::string out, err;
};

// A config file of our own and an environment without credentials.
struct ConfigureSandbox {
  std::string dir = test::MakeTempDir("slsflow-configure");
  std::string path = dir + "/sub/config";  // its folder does not exist yet
  int saved_stdin = dup(STDIN_FILENO);
  ConfigureSandbox() {
    setenv("SLSFLOW_CONFIG", path.c_str(), 1);
    setenv("SLSFLOW_ALIYUNLOGCLI", (dir + "/no-aliyunlogcli").c_str(), 1);
    for (const char* v :
         {"SLSFLOW_ENDPOINT", "SLSFLOW_PROJECT", "SLSFLOW_PROFILE", "SLSFLOW_LOGSTORE", "ALIBABA_CLOUD_ACCESS_KEY_ID",
          "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_SECURITY_TOKEN", "SLSFLOW_SIGN"})
      unsetenv(v);
    // Not a terminal: configure must not ask, whatever runs the tests.
    int null = ::open("/dev/null", O_RDONLY);
    REQUIRE(null >= 0);
    dup2(null, STDIN_FILENO);
    ::close(null);
  }
  ~ConfigureSandbox() {
    dup2(saved_stdin, STDIN_FILENO);
    ::close(saved_stdin);
    unsetenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET");
    unsetenv("ALIBABA_CLOUD_SECURITY_TOKEN");
  }
  Ran Run(std::vector<std::string> args) {
    Ran r;
    int exit_code = 0;
    auto app = BuildCommandLine(&exit_code);
    Capture out(STDOUT_FILENO, dir + "/stdout"), err(STDERR_FILENO, dir + "/stderr");
    r.code = RunCommandLine(*app, std::move(args), exit_code);
    r.out = out.Text();
    r.err = err.Text();
    return r;
  }
  IniFile Written() {
    auto ini = ParseIni(test::ReadFileOrDie(path), path);
    REQUIRE_MESSAGE(ini.ok(), ini.status().ToString());
    return *ini;
  }
  // A key of the written file, or "<absent>".
  std::string Value(const std::string& section, const std::string& key) {
    IniFile ini = Written();
    const std::string* v = ini.Find(section, key);
    return v ? *v : "<absent>";
  }
  bool Exists() {
    struct stat st;
    return stat(path.c_str(), &st) == 0;
  }
};

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("configure without a terminal writes a whole profile, private, from flags and the environment") {
  ConfigureSandbox box;
  setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-secret", 1);
  setenv("ALIBABA_CLOUD_SECURITY_TOKEN", "env-token", 1);
  Ran r = box.Run({"configure", "--profile", "ci", "--endpoint", "cn-hangzhou.log.aliyuncs.com", "-p", "web", "-l",
                   "access", "--access-key-id", "LTAI1", "--sign", "v4", "--region", "cn-hangzhou"});
  CHECK_MESSAGE(r.code == 0, r.err);
  CHECK(r.err == "slsflow: wrote profile 'ci' to " + box.path + " (mode 0600)\n");
  struct stat st;
  REQUIRE(stat(box.path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  IniFile ini = box.Written();
  CHECK(ini.order == std::vector<std::string>{"ci"});
  CHECK(ini.sections["ci"] == std::map<std::string, std::string>{{"endpoint", "cn-hangzhou.log.aliyuncs.com"},
                                                                 {"project", "web"},
                                                                 {"logstore", "access"},
                                                                 {"access_key_id", "LTAI1"},
                                                                 {"access_key_secret", "env-secret"},
                                                                 {"security_token", "env-token"},
                                                                 {"sign", "v4"},
                                                                 {"region", "cn-hangzhou"}});
  CHECK(stat((box.path + ".tmp").c_str(), &st) != 0);  // renamed into place, no stray copy of the secret
}

TEST_CASE("configure updates one profile and keeps the others and the keys it was not given") {
  ConfigureSandbox box;
  REQUIRE(mkdir((box.dir + "/sub").c_str(), 0700) == 0);
  test::WriteFileOrDie(box.path,
                       "[default]\nendpoint = http://127.0.0.1:1\n"
                       "[prod]\nendpoint = http://old:1\naccess_key_id = id1\naccess_key_secret = s1\n"
                       "LOG_MAX_NUMBER_PER_FETCH = 50\n");
  Ran r = box.Run({"configure", "--profile", "prod", "--endpoint", "http://new:2", "-p", "shop"});
  CHECK_MESSAGE(r.code == 0, r.err);
  IniFile ini = box.Written();
  CHECK(ini.order == std::vector<std::string>{"default", "prod"});
  CHECK(box.Value("default", "endpoint") == "http://127.0.0.1:1");
  CHECK(box.Value("prod", "endpoint") == "http://new:2");
  CHECK(box.Value("prod", "project") == "shop");
  CHECK(box.Value("prod", "access_key_secret") == "s1");  // kept: a flag-less update is no reset
  CHECK(box.Value("prod", "LOG_MAX_NUMBER_PER_FETCH") == "50");
}

TEST_CASE("configure refuses half a credential set and says how to give the other half") {
  ConfigureSandbox box;
  Ran r = box.Run({"configure", "--profile", "ci", "--access-key-id", "LTAI1"});
  CHECK(r.code == 2);
  CHECK(r.err ==
        "slsflow: profile 'ci' would have an access key id but no secret: pass it in "
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET (or --access-key-secret, visible in ps), or run 'slsflow configure "
        "--profile ci' on a terminal to be asked\n");
  CHECK_FALSE(box.Exists());  // nothing half-written

  r = box.Run({"configure", "--profile", "ci", "--access-key-secret", "s"});
  CHECK(r.code == 2);
  CHECK(Has(r.err, "profile 'ci' would have a secret but no access key id: pass --access-key-id\n"));
  CHECK_FALSE(box.Exists());

  r = box.Run({"configure", "--endpoint", "http://127.0.0.1:1"});
  CHECK(r.code == 2);
  CHECK(Has(r.err,
            "no access key for profile 'default': pass --access-key-id ID with the secret in "
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET"));
  CHECK_FALSE(box.Exists());

  // A secret in the environment without an id: the id is what is missing.
  setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "from-env", 1);
  r = box.Run({"configure", "--endpoint", "http://127.0.0.1:1"});
  unsetenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET");
  CHECK(r.code == 2);
  CHECK(Has(r.err, "no access key for profile 'default': pass --access-key-id ID"));
  CHECK_FALSE(box.Exists());
}

TEST_CASE("a secret given as a flag works but warns that ps shows it") {
  ConfigureSandbox box;
  Ran r = box.Run({"configure", "--access-key-id", "LTAI1", "--access-key-secret", "flag-secret"});
  CHECK_MESSAGE(r.code == 0, r.err);
  CHECK(Has(r.err, "warning: --access-key-secret is visible to other users in ps"));
  CHECK(box.Value("default", "access_key_secret") == "flag-secret");
  CHECK_FALSE(Has(r.err, "flag-secret"));
}

TEST_CASE("configure: a bad endpoint or --sign is a usage error; a broken config file is a config error") {
  ConfigureSandbox box;
  setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "s", 1);
  Ran r = box.Run({"configure", "--endpoint", "ftp://x", "--access-key-id", "LTAI1"});
  CHECK(r.code == 2);
  CHECK_FALSE(box.Exists());
  r = box.Run({"configure", "--sign", "v5", "--access-key-id", "LTAI1"});
  CHECK(r.code == 2);
  CHECK(Has(r.err, "--sign"));
  CHECK_FALSE(box.Exists());

  REQUIRE(mkdir((box.dir + "/sub").c_str(), 0700) == 0);
  test::WriteFileOrDie(box.path, "[prod\nkey = v\n");
  r = box.Run({"configure", "--access-key-id", "LTAI1"});
  CHECK(r.code == 3);
  CHECK(r.err == "slsflow: " + box.path + ":1: section header lacks ']'\n");
  CHECK(test::ReadFileOrDie(box.path) == "[prod\nkey = v\n");  // left for the user to fix
}

TEST_CASE("configure: a config path that cannot be written fails and says where") {
  ConfigureSandbox box;
  test::WriteFileOrDie(box.dir + "/sub", "a file where the folder should be");
  setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "s", 1);
  Ran r = box.Run({"configure", "--access-key-id", "LTAI1"});
  CHECK(r.code != 0);
  CHECK(Has(r.err, box.dir + "/sub"));
  CHECK_FALSE(Has(r.err, "wrote profile"));
}

TEST_CASE("config show prints every setting with where it came from, secrets masked") {
  ConfigureSandbox box;
  REQUIRE(mkdir((box.dir + "/sub").c_str(), 0700) == 0);
  test::WriteFileOrDie(box.path,
                       "[default]\nendpoint = http://127.0.0.1:9\nproject = web\naccess_key_id = LTAI1\n"
                       "access_key_secret = top-secret-value\nLOG_MAX_NUMBER_PER_FETCH = 50\n");
  chmod(box.path.c_str(), 0600);
  Ran r = box.Run({"config", "show", "-l", "access"});
  CHECK_MESSAGE(r.code == 0, r.err);
  CHECK_FALSE(Has(r.out, "top-secret-value"));
  CHECK(Has(r.out, "******** (16 chars)"));
  CHECK(Has(r.out, "web"));
  CHECK(Has(r.out, "LOG_MAX_NUMBER_PER_FETCH 50"));
  CHECK(Has(r.out, "# from profile default"));
  CHECK(Has(r.out, "not set"));  // the security token: shown, with where it was looked for
  CHECK(Has(r.out, "# looked at: "));
}

TEST_CASE("config show works with nothing configured and lists what would stop a command") {
  ConfigureSandbox box;
  Ran r = box.Run({"config", "show", "--profile", "nosuch"});
  CHECK(r.code == 0);
  CHECK(Has(r.out, "problem: "));
  CHECK(Has(r.out, "nosuch"));
  CHECK(r.err.empty());
}
