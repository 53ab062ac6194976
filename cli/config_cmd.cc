// `slsflow configure` writes a profile; `slsflow config show` prints the
// settings every other command would resolve, with where each came from.
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/config_file.h"
#include "cli/settings.h"
#include "cli/values.h"

namespace slsflow::cli {

namespace {

struct ConfigureFlags {
  std::string profile = "default";
  std::string endpoint, project, logstore, access_key_id, access_key_secret, security_token, sign, region;
};

// A profile must hold a whole credential set, or none when it is filled in
// on a terminal (an emulator without auth needs none). Half a set would
// pair its id with a secret from somewhere else later, or fail far from here.
Status CheckCredentials(const std::map<std::string, std::string>& sec, const std::string& profile, bool interactive) {
  auto has = [&](const char* key) { return sec.count(key) > 0 && !sec.at(key).empty(); };
  const std::string how =
      "pass it in ALIBABA_CLOUD_ACCESS_KEY_SECRET (or --access-key-secret, visible in ps), or "
      "run 'slsflow configure --profile " +
      profile + "' on a terminal to be asked";
  if (has("access_key_id") && !has("access_key_secret"))
    return Status::Usage("profile '" + profile + "' would have an access key id but no secret: " + how);
  if (!has("access_key_id") && has("access_key_secret"))
    return Status::Usage("profile '" + profile + "' would have a secret but no access key id: pass --access-key-id");
  // Without an id, the secret in the environment is not taken (see below),
  // so ask for the id first: asking for the secret would name what was given.
  if (!interactive && !has("access_key_id"))
    return Status::Usage("no access key for profile '" + profile +
                         "': pass --access-key-id ID with the secret in ALIBABA_CLOUD_ACCESS_KEY_SECRET, or run "
                         "'slsflow configure --profile " +
                         profile + "' on a terminal to be asked");
  if (!interactive && !has("access_key_secret"))
    return Status::Usage("no access key secret for profile '" + profile + "': " + how);
  return Status::OK();
}

// Reads one line from the terminal; `secret` turns echo off.
std::string Prompt(const std::string& question, const std::string& current, bool secret) {
  std::fprintf(stderr, "%s%s: ", question.c_str(),
               current.empty() ? "" : (secret ? " [keep current]" : " [" + current + "]").c_str());
  std::fflush(stderr);
  termios old{};
  bool restore = secret && tcgetattr(STDIN_FILENO, &old) == 0;
  if (restore) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (restore) {
    tcsetattr(STDIN_FILENO, TCSANOW, &old);
    std::fputc('\n', stderr);
  }
  return line.empty() ? current : line;
}

int RunConfigure(const ConfigureFlags& f) {
  Env* env = Env::Default();
  std::string path = SlsflowConfigPath();
  IniFile ini;
  if (env->FileExists(path)) {
    std::string text;
    Status st = env->ReadFile(path, &text, 1 << 20);
    if (!st.ok()) return ReportError(Status::Config(st.message()));
    auto parsed = ParseIni(text, path);
    if (!parsed.ok()) return ReportError(parsed.status());
    ini = *parsed;
  }
  if (!ini.sections.count(f.profile)) ini.order.push_back(f.profile);
  auto& sec = ini.sections[f.profile];
  auto set = [&](const char* key, const std::string& value) {
    if (!value.empty()) sec[key] = value;
  };
  set("endpoint", f.endpoint);
  set("project", f.project);
  set("logstore", f.logstore);
  set("access_key_id", f.access_key_id);
  // Flags and their variables are one source, as for every command; the
  // variables only complete an id this profile holds.
  if (sec.count("access_key_id")) {
    set("access_key_secret",
        f.access_key_secret.empty() ? Getenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET") : f.access_key_secret);
    set("security_token", f.security_token.empty() ? Getenv("ALIBABA_CLOUD_SECURITY_TOKEN") : f.security_token);
  } else {
    set("access_key_secret", f.access_key_secret);
    set("security_token", f.security_token);
  }
  set("sign", f.sign);
  set("region", f.region);
  // On a terminal we ask: everything when no flag says what to set, else
  // only the credentials the profile would still lack.
  const bool interactive = isatty(STDIN_FILENO);
  if (interactive) {
    const bool ask_all = f.endpoint.empty() && f.access_key_id.empty();
    std::fprintf(stderr, "Configuring profile '%s' in %s\n", f.profile.c_str(), path.c_str());
    if (ask_all) {
      sec["endpoint"] = Prompt("Endpoint (e.g. cn-hangzhou.log.aliyuncs.com)", sec["endpoint"], false);
      sec["project"] = Prompt("Default project", sec["project"], false);
    }
    if (ask_all || sec["access_key_id"].empty())
      sec["access_key_id"] = Prompt("Access key id", sec["access_key_id"], false);
    if (ask_all || sec["access_key_secret"].empty())
      sec["access_key_secret"] = Prompt("Access key secret", sec["access_key_secret"], true);
    for (auto it = sec.begin(); it != sec.end();) it = it->second.empty() ? sec.erase(it) : std::next(it);
  }
  if (!f.access_key_secret.empty())
    std::fprintf(stderr,
                 "slsflow: warning: --access-key-secret is visible to other users in ps; "
                 "run 'slsflow configure' interactively instead\n");
  if (auto it = sec.find("endpoint"); it != sec.end()) {
    auto ep = ParseEndpoint(it->second);
    if (!ep.ok()) return ReportError(Status::Usage(ep.status().message()));
  }
  if (Status st = CheckCredentials(sec, f.profile, interactive); !st.ok()) return ReportError(st);

  Status st = env->CreateDirs(DirName(path), 0700);
  if (st.ok()) {
    // Atomic and private: the secret never sits in a world-readable file.
    std::string tmp = path + ".tmp";
    auto file = env->NewWritableFile(tmp, 0600);
    if (!file.ok()) return ReportError(file.status());
    st = (*file)->Append(FormatIni(ini));
    if (st.ok()) st = (*file)->Sync();
    if (st.ok()) st = (*file)->Close();
    if (st.ok()) st = env->RenameFile(tmp, path);
  }
  if (!st.ok()) return ReportError(st);
  std::fprintf(stderr, "slsflow: wrote profile '%s' to %s (mode 0600)\n", f.profile.c_str(), path.c_str());
  return 0;
}

std::string Mask(const std::string& secret) {
  return secret.empty() ? "" : "******** (" + std::to_string(secret.size()) + " chars)";
}

std::string JoinPlaces(const std::vector<std::string>& places) {
  std::string out;
  for (const auto& p : places) out += (out.empty() ? "" : ", ") + p;
  return out;
}

// Every setting, set or not, and what would stop a command: it answers
// "what would slsflow use, and why" even when nothing is configured.
int RunShow(const CommonFlags& flags) {
  SetupLogging(flags);
  SettingsReport r = ReportSettings(flags, Env::Default());
  for (const auto& s : r.settings) {
    const bool secret = s.name == "access_key_secret" || s.name == "security_token";
    const std::string value = s.value.empty() ? "not set" : secret ? Mask(s.value) : s.value;
    const std::string why = s.value.empty() ? "looked at: " + JoinPlaces(s.looked) : "from " + s.origin;
    std::printf("%-18s %-30s # %s\n", s.name.c_str(), value.c_str(), why.c_str());
  }
  for (auto& [k, v] : r.extra) std::printf("%-18s %-30s # from profile %s\n", k.c_str(), v.c_str(), r.profile.c_str());
  for (const auto& p : r.problems) std::printf("problem: %s\n", p.c_str());
  return 0;
}

}  // namespace

void RegisterConfigCommands(CLI::App& root, int* exit_code) {
  // Owned by the callbacks, not static: a second command line built in the
  // same process (the tests build one per case) must not inherit flags.
  auto configure_flags = std::make_shared<ConfigureFlags>();
  auto* f = configure_flags.get();
  auto* configure = root.add_subcommand("configure", "Write a profile to ~/.config/slsflow/config (mode 0600)");
  configure->add_option("--profile", f->profile, "profile name")->capture_default_str();
  configure->add_option("--endpoint", f->endpoint, "endpoint");
  configure->add_option("-p,--project", f->project, "default project");
  configure->add_option("-l,--logstore", f->logstore, "default logstore");
  configure->add_option("--access-key-id", f->access_key_id, "access key id");
  configure->add_option(
      "--access-key-secret", f->access_key_secret,
      "access key secret (visible in ps; prefer ALIBABA_CLOUD_ACCESS_KEY_SECRET, or a terminal to be asked)");
  configure->add_option("--security-token", f->security_token, "STS token");
  configure->add_option("--sign", f->sign, "signature version")->check(OneOf({"v1", "v4"}));
  configure->add_option("--region", f->region, "region for v4 signatures");
  configure->footer(
      "Examples:\n"
      "  slsflow configure                                   # asks, secret not echoed\n"
      "  slsflow configure --profile prod --endpoint cn-hangzhou.log.aliyuncs.com -p my-project   # asks for the key\n"
      "  ALIBABA_CLOUD_ACCESS_KEY_SECRET=... slsflow configure --profile ci --access-key-id LTAI...\n");
  configure->callback([configure_flags, exit_code] { *exit_code = RunConfigure(*configure_flags); });

  auto show_flags = std::make_shared<CommonFlags>();
  auto* flags = show_flags.get();
  auto* config = root.add_subcommand("config", "Inspect the resolved configuration");
  config->require_subcommand(1);
  auto* show = config->add_subcommand("show", "Print the settings a command would use, secrets masked");
  AddCommonFlags(show, flags, LogstoreArity::kMany);
  show->footer(
      "Examples:\n"
      "  slsflow config show\n"
      "  slsflow config show --profile prod\n"
      "  SLSFLOW_ENDPOINT=http://127.0.0.1:8080 slsflow config show -p demo\n");
  show->callback([show_flags, exit_code] { *exit_code = RunShow(*show_flags); });
}

}  // namespace slsflow::cli
