"""Issue 20: --memory bounds what consume holds, whatever the shard count and
the group size. 64 shards, one 5 MB log group each (each group larger than
a shard's share of the budget, so they go through one at a time), consumed
with --memory 16m: the output is exact, and the peak RSS that --stats
prints (VmHWM) stays under the budget plus the fixed overhead the man page
states (24 MB). Also: --last N that cannot fit exits 2 naming the budget."""
import collections
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from consume_helpers import BIN, Emulator, check, tempdir  # noqa: E402

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "scripts", "lib"))
import fill_groups  # noqa: E402

SHARDS = 64
GROUP_BYTES = 5_000_000
FIXED_OVERHEAD_MB = 24  # man/slsflow-consume.1, --memory


def put_group(emu, shard, body):
    top = shard * 256 // SHARDS
    emu.request("POST", "/logstores/app/shards/route?key=%02x80%s" % (top, "0" * 28), body)


def main():
    d = tempdir()
    with Emulator(logstores=("app:%d" % SHARDS,)) as emu:
        want = collections.Counter()
        for shard in range(SHARDS):
            body = fill_groups.group(shard, GROUP_BYTES, b"s%d" % shard)
            put_group(emu, shard, body)
            want.update("s%d-%d-%d" % (shard, shard, i) for i in range(body.count(b"\x0a\x03seq")))
        out = os.path.join(d, "out") + "/"
        r = subprocess.run([BIN, "consume", "--endpoint", emu.url, "-p", "demo", "-l", "app", "--from", "begin",
                            "-e", "-o", out, "--memory", "16m", "--stats"], capture_output=True, text=True,
                           timeout=300)
        check(r.returncode == 0, "consume: %d %s" % (r.returncode, r.stderr[-500:]))
        m = re.search(r"peak RSS ([0-9.]+) MB, --memory 16 MB, at most ([0-9.]+) MB held", r.stderr)
        check(m is not None, "--stats has no peak RSS: %r" % r.stderr[:300])
        rss, held = float(m.group(1)), float(m.group(2))
        got = collections.Counter()
        for name in os.listdir(out):
            if name.startswith("."):
                continue
            with open(os.path.join(out, name)) as f:
                for line in f:
                    got[json.loads(line)["seq"]] += 1
        check(got == want, "output differs: %d logs for %d, %d duplicated" % (
            sum(got.values()), sum(want.values()), sum(c - 1 for c in got.values() if c > 1)))
        # The man page: within --memory plus the fixed overhead, plus one log
        # group when a single group is larger than what is free.
        bound = 16 + FIXED_OVERHEAD_MB + GROUP_BYTES / 2**20
        check(rss <= bound, "peak RSS %.1f MB over %.0f MB (--memory 16 MB + %d MB + one group)" % (
            rss, bound, FIXED_OVERHEAD_MB))
        # One group (~15 MB with its index and text) may go alone past a share,
        # never two at once.
        check(held <= 16 + GROUP_BYTES * 3 / 2**20, "held %.1f MB" % held)

        r = subprocess.run([BIN, "consume", "--endpoint", emu.url, "-p", "demo", "-l", "app", "--last", "200000",
                            "-e", "--memory", "16m"], capture_output=True, text=True, timeout=300)
        check(r.returncode == 2 and "does not fit in --memory 16m" in r.stderr and "raise --memory" in r.stderr,
              "--last too big: %d %r" % (r.returncode, r.stderr))
    print("ok: %d shards x %d MB groups under --memory 16m: exact output, peak RSS %.1f MB, at most %.1f MB held" % (
        SHARDS, GROUP_BYTES // 1000000, rss, held))


if __name__ == "__main__":
    main()
