"""Issue 16, reruns: the state records the request as typed.

- The nightly cron line `--from yesterday --to today -o out/`, run on three
  simulated days (the emulator's admin clock and the client's test clock
  moved together) into one out/, gives each day's logs exactly once; a
  second run on the same night says "nothing to do".
- Flags left out are inherited; different explicit values exit 2 naming
  them and the ways out.
- --from checkpoint works with --group, and needs it.
- --last N breaks ties on equal time by shard, then position.
- -f raw counts the records without the field and warns once.
- Backfill progress on a terminal counts log groups, not the time range."""
import json
import os
import pty
import re
import select
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from consume_helpers import BIN, Emulator, check, jsonl_values, key_hex, log_group, run, tempdir  # noqa: E402

DAY = 86400


def consume(emu, *args, env=None):
    cmd = [BIN, "consume", "--endpoint", emu.url, "-p", "demo", "-l", "app"] + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env)


class Clock:
    """Moves the emulator's clock and this test's client clock to one instant."""

    def __init__(self, emu):
        self.emu = emu
        self.env = dict(os.environ)

    def set(self, instant):
        offset = int(instant - time.time())
        self.emu.request("PUT", "/_slsflow/admin/clock", json.dumps({"offsetSeconds": offset}).encode(),
                         {"x-slsflow-admin-token": "t", "Content-Type": "application/json"})
        self.env["SLSFLOW_TEST_CLOCK_OFFSET_SECONDS"] = str(offset)

    def produce(self, values):
        values = list(values)
        r = subprocess.run([BIN, "produce", "--endpoint", self.emu.url, "-p", "demo", "-l", "app"],
                           input="".join(v + "\n" for v in values), capture_output=True, text=True,
                           timeout=60, env=self.env)
        check(r.returncode == 0, "produce: %r" % r.stderr)
        return values


def out_values(out):
    vals = []
    for name in sorted(os.listdir(out)):
        if not name.startswith("."):
            vals += jsonl_values(open(os.path.join(out, name)).read(), "content")
    return vals


def nightly_cron(d):
    out = d + "/nightly/"
    cron = ["--from", "yesterday", "--to", "today", "-o", out]
    with Emulator("--admin-token", "t", logstores=("app:3",)) as emu:
        clock = Clock(emu)
        day0 = (int(time.time()) // DAY + 30) * DAY  # a UTC midnight well ahead
        clock.set(day0 + 1 * DAY + 10 * 3600)
        a1 = clock.produce("day1-%02d" % i for i in range(20))
        clock.set(day0 + 2 * DAY + 1800)  # 00:30 on day 2: tomorrow's run takes these
        a2 = clock.produce("day2early-%02d" % i for i in range(7))
        want = []
        due = {2: a1, 3: a2}  # what each night's run must add
        for night in (2, 3, 4, 5):
            clock.set(day0 + night * DAY + 3600)  # 01:00: cron runs
            r = consume(emu, *cron, env=clock.env)
            check(r.returncode == 0, "night %d: %d %r" % (night, r.returncode, r.stderr))
            want += due.get(night, [])
            got = out_values(out)
            check(sorted(got) == sorted(want), "night %d: %d logs, want %d (dups %d)" % (
                night, len(got), len(want), len(got) - len(set(got))))
            if night == 2:
                check("resuming" not in r.stderr, "the first night resumed: %r" % r.stderr)
            else:
                check("resuming " + out in r.stderr, "night %d did not say it resumed: %r" % (night, r.stderr))
            clock.set(day0 + night * DAY + 10 * 3600)
            due[night + 1] = due.get(night + 1, []) + clock.produce("day%d-%02d" % (night, i) for i in range(15))
        # The same night again: nothing to do, and said so.
        r = consume(emu, *cron, env=clock.env)
        check(r.returncode == 0 and "slsflow: nothing to do: %s already holds --from yesterday --to today; --reset "
              "to redo" % out in r.stderr, "second run of a night: %r" % r.stderr)
        # Flags left out are inherited; different explicit values are refused.
        r = consume(emu, "-o", out, env=clock.env)
        check(r.returncode == 0 and "nothing to do" in r.stderr, "inherited flags: %r" % r.stderr)
        r = consume(emu, "--from", "yesterday", "--to", "-1h", "-o", out, env=clock.env)
        check(r.returncode == 2 and "--to was 'today', now '-1h'" in r.stderr and "--reset" in r.stderr
              and "another output" in r.stderr, "a different --to: %d %r" % (r.returncode, r.stderr))
        check(sorted(out_values(out)) == sorted(want), "a refused run wrote something")


def checkpoint_with_group(d):
    with Emulator() as emu:
        first = ["a%02d" % i for i in range(30)]
        for v in first:
            emu.put("app", [{"seq": v}])
        grp = ["--group", "g", "--consumer", "m1", "--heartbeat-interval", "300ms"]
        r = consume(emu, *grp, "--from", "begin", "-e", "-o", d + "/g1/")
        check(r.returncode == 0, "group read: %r" % r.stderr)
        later = ["b%02d" % i for i in range(10)]
        for v in later:
            emu.put("app", [{"seq": v}])
        r = consume(emu, *grp, "--from", "checkpoint", "--from-fallback", "end", "-e", "-f", "raw", "--field", "seq")
        check(r.returncode == 0 and sorted(r.stdout.split()) == later, "--from checkpoint: %r %r" % (
            r.stdout.split()[:5], r.stderr))
        r = consume(emu, "--from", "checkpoint", "-e")
        check(r.returncode == 2 and "--from checkpoint needs --group or --sync-group" in r.stderr,
              "--from checkpoint alone: %d %r" % (r.returncode, r.stderr))


def last_ties_and_raw(d):
    with Emulator() as emu:
        t = int(time.time())
        # Shards 3, 0, 2, 1 in that order, all logs at the same second.
        for shard in (3, 0, 2, 1):
            logs = [{"seq": "s%d%s" % (shard, c)} for c in "ab"]
            emu.request("POST", "/logstores/app/shards/route?key=%s" % key_hex(shard * 0x40 + 1),
                        log_group(logs, log_time=t))
        r = consume(emu, "--last", "8", "-e", "-f", "raw", "--field", "seq")
        check(r.stdout.split() == ["s0a", "s0b", "s1a", "s1b", "s2a", "s2b", "s3a", "s3b"],
              "--last 8 ties: %r" % r.stdout.split())
        r = consume(emu, "--last", "3", "-e", "-f", "raw", "--field", "seq")
        check(r.stdout.split() == ["s2b", "s3a", "s3b"], "--last 3 ties: %r" % r.stdout.split())
        r = consume(emu, "--from", "begin", "-e", "-f", "raw")
        check(r.returncode == 0 and r.stdout == "" and
              "slsflow: 8 records had no field 'content'; see --field" in r.stderr, "raw without the field: %r"
              % r.stderr)
        check(r.stderr.count("no field") == 1, "warned more than once: %r" % r.stderr)


def progress_counts_groups(d):
    """400 log groups of one log each, read one group per slowed pull, with
    stderr on a terminal: every frame's percentage matches the logs read."""
    with Emulator("--fault-slow", "1", "--fault-slow-ms", "8", logstores=("app:1",)) as emu:
        for i in range(400):
            emu.put("app", [{"seq": "p%03d" % i}])
        time.sleep(1.1)  # --to now ends at the current second: let every group be older
        master, slave = pty.openpty()
        p = subprocess.Popen([BIN, "consume", "--endpoint", emu.url, "-p", "demo", "-l", "app", "--from", "begin",
                              "--to", "now", "-o", d + "/prog/", "--max-per-fetch", "1"],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave)
        os.close(slave)
        text = b""
        while True:
            ready, _, _ = select.select([master], [], [], 30)
            if not ready:
                break
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            text += chunk
        p.wait(timeout=30)
        frames = re.findall(r"\] +(\d+)%  (\d+) logs", text.decode(errors="replace"))
        check(p.returncode == 0 and len(frames) >= 3, "progress frames: %r" % text[-300:])
        for pct, logs in frames:
            check(abs(int(pct) - int(logs) * 100 // 400) <= 2, "a frame shows %s%% at %s of 400 groups" % (pct, logs))
        check(frames[-1][0] == "100", "the last frame: %r" % (frames[-1],))


def main():
    d = tempdir()
    os.environ["XDG_STATE_HOME"] = d + "/xdg"
    nightly_cron(d)
    checkpoint_with_group(d)
    last_ties_and_raw(d)
    progress_counts_groups(d)
    print("ok: three nights of a cron backfill exactly once, inherited and refused flags, --from checkpoint, "
          "--last ties, -f raw warning, progress by log groups")


if __name__ == "__main__":
    main()
