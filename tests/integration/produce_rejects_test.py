"""Issue 18 point 3 and issue 21 point 5, produce side: a log SLS would refuse
never sinks the good logs beside it.

1. Client side (whatever the emulator checks): a jsonl batch of 600 good logs
   with one log breaking each SLS rule slsflow checks before sending (key
   over 128 bytes, key with a dot, key starting with a digit, reserved key,
   value over 1 MiB, bytes that are not UTF-8, no content key, a time 8 days
   old, a time an hour ahead). Every good log arrives exactly once; each bad
   one is in --dead-letter with its reason, counted in the exit summary, and
   the exit code is 1. No request ever carried a bad log: requests equal
   batches. The dead-letter file replays unchanged (its reasons are dropped
   on input and written again).
2. Server side: an emulator stricter than SLS (keys of at most 16 bytes,
   values of at most 4 KB, logs at most an hour old, 50 logs a request)
   refuses batches slsflow thinks fine. Each refused batch is sent again in
   halves until the refused log is alone: every good log arrives exactly
   once, each refused log is dead-lettered with the server's code and
   message, and the exit code is 1. Skipped, saying so, when the emulator
   has no such limits (an older build)."""
import base64
import collections
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from produce_helpers import BIN, Emulator, check, consume_all, field, produce_cmd, run, tempdir  # noqa: E402

GOOD = 600


def good_lines(tag):
    return [json.dumps({"id": "%s-%04d" % (tag, i), "msg": "good log %d" % i}) for i in range(GOOD)]


def interleave(good, bad):
    """The bad lines spread evenly among the good ones, so each batch holds both."""
    out, step = [], len(good) // (len(bad) + 1)
    for i, line in enumerate(good):
        out.append(line)
        if i % step == step - 1 and bad:
            out.append(bad.pop(0))
    return out + bad


def stats(err):
    m = re.search(r"logs (\d+) \(delivered (\d+), undelivered (\d+)\).*requests (\d+), retries (\d+)", err)
    check(m, "no --stats line in %r" % err)
    return [int(x) for x in m.groups()]


def stored_ids(emu, logstore):
    _, recs = consume_all(emu, logstore)
    return collections.Counter(field(r, "id").decode() for r in recs if field(r, "id") is not None), recs


def dead_letters(path):
    return [json.loads(l) for l in open(path, encoding="utf-8")]


def client_side(d):
    now = int(time.time())
    bad = [
        ("key over 128 bytes", {"k" * 129: "v"}, "129 bytes"),
        ("key with a dot", {"a.b": "v"}, "other than letters, digits and '_'"),
        ("key starting with a digit", {"1st": "v"}, "starts with a digit"),
        ("reserved key", {"__partition_time__": "v"}, "reserved"),
        ("value over 1 MiB", {"big": "x" * ((1 << 20) + 1)}, "1 MiB"),
        ("bytes that are not UTF-8", {"bin": {"base64": base64.b64encode(b"\xff\xfe").decode()}}, "not UTF-8"),
        ("no content key", {"__topic__": "t"}, "no content keys"),
        ("8 days old", {"__time__": now - 8 * 86400, "old": "v"}, "168 hours"),
        ("an hour ahead", {"__time__": now + 3600, "ahead": "v"}, "15 minutes"),
    ]
    good = good_lines("c")
    text = "\n".join(interleave(good, [json.dumps(b[1]) for b in bad])) + "\n"
    with Emulator(logstores=("c:2", "replay:1")) as emu:
        dead = os.path.join(d, "client-dead.jsonl")
        r = run(produce_cmd(emu, "c", "--input", "jsonl", "--dead-letter", dead, "--stats", "--max-batch-logs",
                            "200"), input=text.encode())
        err = r.stderr.decode()
        check(r.returncode == 1, "exit %d, want 1: %s" % (r.returncode, err))
        logs, delivered, undelivered, requests, retries = stats(err)
        check(logs == GOOD + len(bad) and delivered == GOOD and undelivered == len(bad), "counts: %s" % err)
        check("delivered %d, retried 0 requests, dead-lettered %d (%d refused" % (GOOD, len(bad), len(bad)) in err,
              "the exit summary: %s" % err)
        check(requests == 3, "%d requests for 600 good logs in batches of 200: a bad log reached the server? %s" % (
            requests, err))
        got, _ = stored_ids(emu, "c")
        check(sorted(got) == sorted(json.loads(l)["id"] for l in good) and set(got.values()) == {1},
              "good logs stored: %d distinct, counts %s" % (len(got), set(got.values())))
        letters = dead_letters(dead)
        check(len(letters) == len(bad), "%d dead letters, want %d" % (len(letters), len(bad)))
        for (what, obj, reason), letter in zip(bad, letters):
            check(reason in letter.get("__dead_letter_reason__", ""), "%s: reason %r" % (what, letter))
            for k in obj:
                if not k.startswith("__"):
                    check(k in letter, "%s: the dead letter lacks its key: %r" % (what, letter))

        # Replaying the file unchanged refuses the same logs again, writing the
        # same logs (the reasons may differ: a time "N seconds ahead" moved on).
        again = os.path.join(d, "client-dead-again.jsonl")
        r = run(produce_cmd(emu, "replay", "--input", "jsonl", "--dead-letter", again), input=open(dead, "rb").read())
        check(r.returncode == 1, "replay exit %d: %s" % (r.returncode, r.stderr))
        strip = lambda letters: [{k: v for k, v in l.items() if k != "__dead_letter_reason__"} for l in letters]
        check(strip(dead_letters(again)) == strip(letters), "the replayed dead letters differ")
    return len(bad)


def emulator_has_limits():
    r = subprocess.run([BIN, "emulator", "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
    return b"--max-log-age" in r.stdout and b"--max-logs-per-request" in r.stdout


def server_side(d):
    if not emulator_has_limits():
        print("server-side part SKIPPED: this emulator has no PutLogs limits (--max-log-age, --max-logs-per-request)")
        return 0
    now = int(time.time())
    bad = [
        ({"a_key_of_twenty_b": "v"}, "InvalidKey"),
        ({"value": "v" * 5000}, "PostBodyInvalid"),
        ({"__time__": now - 2 * 3600, "two_hours": "v"}, "PostBodyInvalid"),
    ]
    good = good_lines("s")
    text = "\n".join(interleave(good, [json.dumps(b[0]) for b in bad])) + "\n"
    strict = ["--max-key-bytes", "16", "--max-value-bytes", "4096", "--max-log-age", "1h",
              "--max-logs-per-request", "50"]
    with Emulator(logstores=("s:2",), extra=strict) as emu:
        dead = os.path.join(d, "server-dead.jsonl")
        r = run(produce_cmd(emu, "s", "--input", "jsonl", "--dead-letter", dead, "--stats", "--max-batch-logs",
                            "100", "-v"), input=text.encode())
        err = r.stderr.decode()
        check(r.returncode == 1, "exit %d, want 1: %s" % (r.returncode, err))
        logs, delivered, undelivered, requests, retries = stats(err)
        check(delivered == GOOD and undelivered == len(bad), "counts: %s" % err)
        check("sending it again in halves" in err, "the split is shown at -v: %s" % err)
        got, _ = stored_ids(emu, "s")
        check(sorted(got) == sorted(json.loads(l)["id"] for l in good) and set(got.values()) == {1},
              "good logs stored: %d distinct, counts %s" % (len(got), set(got.values())))
        letters = dead_letters(dead)
        check(len(letters) == len(bad), "%d dead letters, want %d: %r" % (len(letters), len(bad), letters))
        # Four requests at a time: the letters come in the order the refusals did.
        for obj, code in bad:
            key = [k for k in obj if not k.startswith("__")][0]
            mine = [l for l in letters if key in l]
            check(len(mine) == 1, "no single dead letter for %r: %r" % (obj, letters))
            reason = mine[0].get("__dead_letter_reason__", "")
            check(reason.startswith(code + ":") and "HTTP 400" in reason, "server reason for %r: %r" % (obj, reason))
        print("server side: %d requests for %d logs (batches of 100 refused over 50 logs, then halves)" % (
            requests, logs))
    return len(bad)


def main():
    d = tempdir()
    n_client = client_side(d)
    n_server = server_side(d)
    print("ok: %d logs over SLS limits refused before sending and %d refused by the server isolated; every good "
          "log delivered once, every bad one dead-lettered with its reason, exit 1" % (n_client, n_server))


if __name__ == "__main__":
    main()
