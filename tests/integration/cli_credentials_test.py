"""Credentials as one set, config show that always works, configure that
will not save half a profile (issue 17, point 5)."""
import os
import subprocess

from consume_helpers import BIN, Emulator, check, tempdir


def sls(env, *args, stdin=""):
    return subprocess.run([BIN, *args], capture_output=True, text=True, env=env, timeout=60, input=stdin)


def main():
    home = tempdir()
    config = os.path.join(home, "config")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALIBABA_CLOUD_", "SLSFLOW_"))}
    env.update(HOME=home, XDG_CONFIG_HOME=home, XDG_STATE_HOME=home, SLSFLOW_CONFIG=config,
               SLSFLOW_ALIYUNLOGCLI=os.path.join(home, "aliyunlogcli"))

    # config show with nothing configured: exit 0, every value "not set" and where it looked.
    r = sls(env, "config", "show")
    check(r.returncode == 0, "config show with nothing: %d %r" % (r.returncode, r.stderr))
    endpoint = [line for line in r.stdout.splitlines() if line.startswith("endpoint ")]
    check(endpoint and "not set" in endpoint[0] and
          "# looked at: --endpoint, env SLSFLOW_ENDPOINT, profile default in %s, [main] of %s" % (
              config, env["SLSFLOW_ALIYUNLOGCLI"]) in endpoint[0], "config show endpoint: %r" % r.stdout)
    check("access_key_id" in r.stdout and "problem:" not in r.stdout, "config show: %r" % r.stdout)

    # A non-interactive configure without a secret exits 2 and writes nothing.
    r = sls(env, "configure", "--profile", "lab", "--endpoint", "http://127.0.0.1:9", "--access-key-id", "testid")
    check(r.returncode == 2 and "no secret" in r.stderr and "ALIBABA_CLOUD_ACCESS_KEY_SECRET" in r.stderr,
          "configure without a secret: %d %r" % (r.returncode, r.stderr))
    check(not os.path.exists(config), "a refused configure wrote %s" % config)
    r = sls(env, "configure", "--profile", "bare", "--endpoint", "http://127.0.0.1:9")
    check(r.returncode == 2 and "no access key for profile 'bare': pass --access-key-id" in r.stderr, "configure with no key: %r" % r.stderr)

    with Emulator(logstores=("app:1",), auth=True) as emu:
        # The secret from the environment completes --access-key-id: one source, saved whole.
        r = sls(dict(env, ALIBABA_CLOUD_ACCESS_KEY_SECRET="testsecret"), "configure", "--profile", "lab",
                "--endpoint", emu.url, "-p", "demo", "--access-key-id", "testid")
        check(r.returncode == 0, "configure with the secret in the environment: %r" % r.stderr)
        check(sls(env, "shards", "list", "--profile", "lab", "-l", "app").returncode == 0, "the saved profile works")

        # An explicit --profile beats credentials in the environment.
        wrong = dict(env, ALIBABA_CLOUD_ACCESS_KEY_ID="testid", ALIBABA_CLOUD_ACCESS_KEY_SECRET="wrong",
                     SLSFLOW_ENDPOINT=emu.url, SLSFLOW_PROJECT="demo")
        r = sls(wrong, "shards", "list", "--profile", "lab", "-l", "app")
        check(r.returncode == 0, "--profile beats the environment: %d %r" % (r.returncode, r.stderr))
        # Without it the environment's set is used, and the hint names it.
        r = sls(wrong, "shards", "list", "-l", "app")
        check(r.returncode == 3 and "check the access key secret (the key came from ALIBABA_CLOUD_ACCESS_KEY_ID and "
              "ALIBABA_CLOUD_ACCESS_KEY_SECRET)" in r.stderr, "env set, wrong secret: %d %r" % (r.returncode, r.stderr))
        # --access-key-id with the secret in the environment keeps working, as --help advises.
        flag_env = dict(env, ALIBABA_CLOUD_ACCESS_KEY_SECRET="testsecret", SLSFLOW_ENDPOINT=emu.url,
                        SLSFLOW_PROJECT="demo")
        r = sls(flag_env, "shards", "list", "-l", "app", "--access-key-id", "testid")
        check(r.returncode == 0, "--access-key-id with the env secret: %r" % r.stderr)

        # An id in the environment is never paired with the profile's secret.
        with open(config, "a") as f:
            f.write("\n[default]\nendpoint = %s\nproject = demo\naccess_key_id = testid\naccess_key_secret = testsecret\n"
                    "[bad]\nendpoint = %s\nproject = demo\naccess_key_id = testid\naccess_key_secret = nope\n"
                    % (emu.url, emu.url))
        r = sls(dict(env, ALIBABA_CLOUD_ACCESS_KEY_ID="someid"), "shards", "list", "-l", "app")
        check(r.returncode == 3 and "access key id 'someid' (from ALIBABA_CLOUD_ACCESS_KEY_ID and "
              "ALIBABA_CLOUD_ACCESS_KEY_SECRET) has no secret there" in r.stderr and "testsecret" not in r.stderr,
              "env id without env secret: %d %r" % (r.returncode, r.stderr))
        # A wrong secret in a profile: the hint names that profile and its file.
        r = sls(env, "shards", "list", "--profile", "bad", "-l", "app")
        check(r.returncode == 3 and "(the key came from profile bad in %s)" % config in r.stderr,
              "profile with a wrong secret: %d %r" % (r.returncode, r.stderr))
        # config show names the source of each value, secrets masked, half sets as problems.
        r = sls(dict(env, ALIBABA_CLOUD_ACCESS_KEY_ID="someid"), "config", "show")
        check(r.returncode == 0 and "problem: access key id 'someid'" in r.stdout and "testsecret" not in r.stdout,
              "config show with half a set: %r" % r.stdout)
        r = sls(env, "config", "show", "--profile", "lab")
        check(r.returncode == 0 and "# from profile lab in " + config in r.stdout and "********" in r.stdout and
              "testsecret" not in r.stdout, "config show --profile lab: %r" % r.stdout)
    print("ok: one credential set per source, --profile beats env, hints name the source, config show, configure")


if __name__ == "__main__":
    main()
