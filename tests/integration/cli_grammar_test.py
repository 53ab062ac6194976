"""One grammar for every subcommand (issue 17, points 1-4).

Parser errors are said one way, with a guess and the usage line; durations
and sizes parse the same everywhere; one name per concept; positionals may
stand anywhere; and a walk over every subcommand with a missing -l, a bad
duration and an unknown flag gets exit 2 and a message naming the problem.
"""
import os
import subprocess

from consume_helpers import BIN, Emulator, check, run, tempdir


def clean_env(home):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALIBABA_CLOUD_", "SLSFLOW_"))}
    env.update(HOME=home, XDG_CONFIG_HOME=home, XDG_STATE_HOME=home)
    return env


def sls(env, *args, stdin=None):
    return subprocess.run([BIN, *args], capture_output=True, text=True, env=env, timeout=60, input=stdin)


def main():
    home = tempdir()
    env = clean_env(home)

    # ---- 1. one error formatter ------------------------------------------
    r = sls(env, "consum")
    check(r.returncode == 2 and r.stderr == "slsflow: unknown command 'consum'; did you mean 'consume'?\n"
          "usage: slsflow COMMAND [OPTIONS]  (see 'slsflow --help')\n", "consum: %d %r" % (r.returncode, r.stderr))
    r = sls(env, "consume", "--form", "begin")
    check(r.returncode == 2 and r.stderr == "slsflow: unknown option '--form'; did you mean '--from'?\n"
          "usage: slsflow consume [OPTIONS]  (see 'slsflow consume --help')\n", "--form: %r" % r.stderr)
    r = sls(env, "groups", "lg", "etl")
    check(r.returncode == 2 and r.stderr.startswith("slsflow: unknown command 'lg'; did you mean 'lag'?\n"
                                                    "usage: slsflow groups COMMAND"), "groups lg: %r" % r.stderr)
    r = sls(env, "groups")
    check(r.returncode == 2 and "groups needs a command: list, create" in r.stderr, "groups alone: %r" % r.stderr)
    r = sls(env, "help", "consum")
    check(r.returncode == 2 and "did you mean 'consume'?" in r.stderr, "help consum: %r" % r.stderr)
    for ok in (["--help"], ["consume", "--help"], ["--version"]):
        check(sls(env, *ok).returncode == 0, "%s exits 0" % ok)

    with Emulator(logstores=("app:2", "other:1")) as emu:
        base = ["--endpoint", emu.url, "-p", "demo"]
        for i in range(3):
            emu.put("app", [{"content": "a%d,b" % i}])
        emu.put("other", [{"content": "o"}])

        # ---- 2. one grammar per kind of value ------------------------------
        out = os.path.join(home, "out") + "/"
        r = sls(env, "consume", *base, "-l", "app", "--from", "begin", "-e", "--timeout", "5s", "--rotate-size", "100m",
                "--rotate-interval", "1h", "--memory", "64M", "--idle-exit", "30s", "-o", out)
        check(r.returncode == 0, "consume with 5s, 100m, 1h, 64M: %r" % r.stderr)
        r = sls(env, "produce", *base, "-l", "app", "--buffer", "100m", "--max-batch-bytes", "512K", "--linger", "50ms",
                "--timeout", "2000", stdin="x\n")
        check(r.returncode == 0, "produce with 100m, 512K, 50ms, a bare 2000 (ms): %r" % r.stderr)
        r = sls(env, "shards", "list", *base, "-l", "app", "--timeout", "1m", "-f", "json")
        check(r.returncode == 0 and r.stdout.startswith("["), "shards list -f json: %r" % r.stderr)
        r = sls(env, "shards", "list", *base, "-l", "app", "-o", "json")
        check(r.returncode == 0 and r.stdout.startswith("["), "listings keep -o json as an alias: %r" % r.stderr)
        r = sls(env, "groups", "create", "etl", *base, "-l", "app", "--group-timeout", "2m", "-f", "json")
        check(r.returncode == 0 and '"timeout_seconds": 120' in r.stdout, "groups create --group-timeout 2m: %r %r"
              % (r.stdout, r.stderr))
        r = sls(env, "groups", "create", "etl2", *base, "-l", "app", "--timeout", "2m")
        check(r.returncode == 2 and r.stderr.startswith(
            "slsflow: groups create takes no --timeout: the group's heartbeat timeout is --group-timeout (e.g. "
            "--group-timeout 2m)"), "groups create --timeout: %r" % r.stderr)
        r = sls(env, "groups", "list", *base, "-l", "app", "-f", "json")
        check('"etl2"' not in r.stdout, "a refused --timeout created nothing: %r" % r.stdout)
        r = sls(env, "consume", *base, "-l", "app", "-F", "{content}")
        check(r.returncode == 2 and "-F is produce's --follow (as in tail -F); consume's template is --template"
              in r.stderr, "consume -F: %r" % r.stderr)
        r = sls(env, "consume", *base, "-l", "app", "--from", "begin", "-e", "--template", "<{content}>")
        check(r.returncode == 0 and "<a0,b>" in r.stdout, "--template: %r" % r.stderr)
        r = sls(env, "consume", *base, "-l", "app", "--max-idle-polls", "-1")
        check(r.returncode == 2 and "--max-idle-polls must be 0 (no limit) or more polls a second" in r.stderr,
              "--max-idle-polls -1: %d %r" % (r.returncode, r.stderr))
        plain = sls(env, "consume", *base, "-l", "app", "--from", "begin", "-e", "-f", "raw")
        r = sls(env, "consume", *base, "-l", "app", "--from", "begin", "-e", "-f", "raw", "--max-idle-polls", "0")
        check(r.returncode == 0 and plain.stdout and sorted(r.stdout.split()) == sorted(plain.stdout.split()),
              "--max-idle-polls 0 reads as without it: %d %r %r" % (r.returncode, r.stdout, plain.stdout))

        # ---- 3. positionals anywhere; one value per use --------------------
        for args in (["groups", "lag", *base, "-l", "app", "etl"], ["groups", "lag", "etl", *base, "-l", "app"]):
            r = sls(env, *args)
            check(r.returncode == 0 and "SHARD" in r.stdout, "%s: %d %r" % (args, r.returncode, r.stderr))
        r = sls(env, "consume", *base, "-l", "app,other", "--from", "begin", "-e", "-f", "raw")
        check(r.returncode == 0 and sorted(r.stdout.split()) == ["a0,b", "a1,b", "a2,b", "o", "x"],
              "-l app,other reads both: %r %r" % (r.stdout, r.stderr))
        r = sls(env, "consume", *base, "-l", "app", "-l", "other", "--from", "begin", "-e", "-f", "raw",
                "--grep", "a1,b")
        check(r.returncode == 0 and r.stdout.split() == ["a1,b"], "--grep is never split on commas: %r" % r.stdout)

    # ---- 4. the walk: every subcommand, three mistakes ----------------------
    env_ep = dict(env, SLSFLOW_ENDPOINT="http://127.0.0.1:9", SLSFLOW_PROJECT="demo")
    commands = {
        "consume": [], "produce": [], "shards list": [], "shards split": ["0"], "shards merge": ["0"],
        "groups list": [], "groups create": ["g"], "groups update": ["g", "--in-order"], "groups delete": ["g"],
        "groups checkpoints": ["g"], "groups lag": ["g"], "groups reset": ["g", "--to", "begin"],
        "config show": [], "emulator": ["--no-auth"], "configure": [], "help": [], "completion": ["bash"],
    }
    needs_logstore = [c for c in commands if c.split()[0] in ("consume", "produce", "shards", "groups")]
    for cmd in needs_logstore:
        r = sls(env_ep, *cmd.split(), *commands[cmd], stdin="")
        check(r.returncode == 2 and "no logstore: pass -l/--logstore" in r.stderr,
              "%s without -l: %d %r" % (cmd, r.returncode, r.stderr))
    for cmd in commands:
        duration_flag = {"emulator": "--read-timeout", "configure": None, "help": None, "completion": None}.get(
            cmd, "--timeout")
        if cmd in ("groups create", "groups update"):
            duration_flag = "--group-timeout"
        if duration_flag:
            r = sls(env_ep, *cmd.split(), *commands[cmd], "-l", "app", duration_flag, "5x") if cmd != "emulator" else \
                sls(env_ep, "emulator", "--no-auth", duration_flag, "5x")
            check(r.returncode == 2 and ("slsflow: %s: expected a duration like 500ms, 5s, 2m or 1h" % duration_flag)
                  in r.stderr, "%s %s 5x: %d %r" % (cmd, duration_flag, r.returncode, r.stderr))
        r = sls(env_ep, *cmd.split(), "--no-such-flag")
        check(r.returncode == 2 and r.stderr.startswith("slsflow: unknown option '--no-such-flag'\nusage: slsflow " + cmd),
              "%s --no-such-flag: %d %r" % (cmd, r.returncode, r.stderr))
    print("ok: one error voice, one grammar, one name per concept, positionals anywhere, the walk")


if __name__ == "__main__":
    main()
