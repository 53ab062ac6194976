"""Issue 21 points 5 and 6, produce side: what produce says under trouble, and
what --retries 0 means.

1. Under injected 503s and a write quota, `-v` shows every retry with its
   code, where it went, the attempt and the wait; their number equals the
   retries --stats counts; and the exit prints one summary line
   (`delivered N, retried M requests, dead-lettered K`) with -v or without,
   but not with -q.
2. `--retries 0` sends each batch once. The emulator stores a batch, then
   resets the connection before replying, on a connection produce reuses:
   libcurl by itself would send the batch again on a new connection (the
   emulator stored it twice before the fix); now it is stored once, and
   counted as not delivered, since no reply came.
3. A --state path that cannot serve exits 3 before anything is read: a
   directory, a path under a regular file, a damaged state file."""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from produce_helpers import Emulator, check, consume_all, field, produce_cmd, run, tempdir  # noqa: E402

RETRY_LINE = re.compile(r"retrying a batch of (\d+) logs to (any shard \(lb\)|the shard of hash key [0-9a-f]{32}) "
                        r"after (\d{3} \w+) \((.*?)\): attempt (\d+) of (\d+) in (\d+) ms")


def stats(err):
    m = re.search(r"logs (\d+) \(delivered (\d+), undelivered (\d+)\).*requests (\d+), retries (\d+)", err)
    check(m, "no --stats line in %r" % err)
    return [int(x) for x in m.groups()]


def retries_are_told(emu):
    data = "".join("line %05d\n" % i for i in range(3000)).encode()
    emu.set_faults(p503=0.25, write_req_per_s=20)
    r = run(produce_cmd(emu, "told", "-v", "--stats", "--retries", "30", "--max-batch-logs", "50"), input=data,
            timeout=300)
    err = r.stderr.decode()
    check(r.returncode == 0, "exit %d: %s" % (r.returncode, err[-3000:]))
    logs, delivered, undelivered, requests, retries = stats(err)
    told = RETRY_LINE.findall(err)
    check(retries > 0, "faults were injected but nothing was retried: %s" % err[-2000:])
    check(len(told) == retries, "-v told %d retries, --stats counts %d" % (len(told), retries))
    codes = {t[2] for t in told}
    check("503 ServerBusy" in codes and "403 ShardWriteQuotaExceed" in codes, "codes told: %s" % codes)
    for n, where, code, message, attempt, of, wait in told:
        check(int(n) <= 50 and 2 <= int(attempt) <= int(of) == 31, "a retry line: %r" % (told[0],))
    check(all(t[3] for t in told), "each retry says the server's message")
    summary = "delivered 3000, retried %d requests, dead-lettered 0" % retries
    check(summary in err, "no summary %r in: %s" % (summary, err[-1000:]))

    # Without -v: no line per retry, the summary still.
    r = run(produce_cmd(emu, "told", "--retries", "30", "--max-batch-logs", "50"), input=data, timeout=300)
    err = r.stderr.decode()
    check(r.returncode == 0 and not RETRY_LINE.search(err), "retries shown without -v: %s" % err[-1000:])
    check(re.search(r"slsflow: produce: delivered 3000, retried [1-9]\d* requests?, dead-lettered 0", err),
          "no summary without -v: %s" % err)
    # -q: quiet, since everything arrived.
    r = run(produce_cmd(emu, "told", "-q", "--retries", "30", "--max-batch-logs", "50"), input=data, timeout=300)
    check(r.returncode == 0 and r.stderr == b"", "-q printed: %s" % r.stderr)
    emu.set_faults(p503=0, write_req_per_s=0)
    print("retries: %d told at -v with code, route, attempt and wait, summed up at exit" % retries)


def retries_zero_sends_once(emu):
    p = subprocess.Popen(produce_cmd(emu, "once", "--retries", "0", "--no-check", "--parallel", "1", "--linger",
                                     "20ms", "-vv"), stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdin.write(b"first\n")
    p.stdin.flush()
    trace = b""
    while b"< HTTP 200" not in trace:
        chunk = p.stderr.read1(65536)
        check(chunk, "produce ended before its first reply: %s" % trace)
        trace += chunk
    # The connection that carried "first" stays in the pool; "second" goes
    # out on it, is stored, and the connection is reset unanswered.
    emu.set_faults(reset=1.0)
    p.stdin.write(b"second\n")
    p.stdin.close()
    err = (trace + p.stderr.read()).decode(errors="replace")
    rc = p.wait(60)
    emu.set_faults(reset=0)
    check(rc == 1, "exit %d, want 1 (no reply to the second batch): %s" % (rc, err))
    check("delivered 1, retried 0 requests, dead-lettered 1" in err, "summary: %s" % err)
    _, recs = consume_all(emu, "once")
    stored = [field(x, "content") for x in recs]
    check(stored.count(b"first") == 1, "first stored %d times" % stored.count(b"first"))
    check(stored.count(b"second") == 1, "with --retries 0 the batch was stored %d times" % stored.count(b"second"))
    print("--retries 0: the batch whose reply was lost is stored once")


def bad_state_paths(emu, d):
    log = os.path.join(d, "in.log")
    with open(log, "w") as f:
        f.write("x\n")
    damaged = os.path.join(d, "damaged.state")
    with open(damaged, "w") as f:
        f.write("slsflow-produce-state 1\npath %s\ncrc32 00000000\n" % log)
    for state, what in ((d, "a directory"), (os.path.join(log, "st"), "a path under a regular file"),
                        (damaged, "a damaged state file")):
        r = run(produce_cmd(emu, "once", "--file", log, "--follow", "--state", state), timeout=30)
        err = r.stderr.decode()
        check(r.returncode == 3, "--state %s: exit %d, want 3: %s" % (what, r.returncode, err))
        check("--state" in err or "remove it" in err, "--state %s: the message names no way out: %s" % (what, err))
    print("state paths: a directory, a path under a file and a damaged file exit 3")


def main():
    d = tempdir()
    with Emulator(logstores=("told:2", "once:1"), extra=["--seed", "11"]) as emu:
        retries_are_told(emu)
        retries_zero_sends_once(emu)
        bad_state_paths(emu, d)
    print("ok")


if __name__ == "__main__":
    main()
