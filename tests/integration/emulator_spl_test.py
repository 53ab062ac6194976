"""Issue 18, point 1: SPL on PullLogs in the emulator.

`slsflow consume --query` (which sends query=...&pullMode=scan_on_stream)
against `slsflow emulator` prints only the logs the query keeps, with only
the fields it projects; the reply carries the SPL statistics headers; a
query outside the emulator's subset is 400 ParameterInvalid naming the
part, and consume exits 1 with that message on stderr, never with
unfiltered data."""
import json
import os
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emulator_testlib import BIN, Emulator, check, cursor, decode_group_list, encode_group  # noqa: E402

# Metadata that consume's jsonl adds to every record; the rest are fields.
META = ("__time__", "__time_ns__", "__topic__", "__source__")


def consume(emu, *args):
    cmd = [BIN, "consume", "--endpoint", "http://127.0.0.1:%d" % emu.port, "-p", "demo", "-l", "app", "-q",
           "--from", "begin", "--exit-at-end", "-f", "jsonl"] + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


def records(stdout):
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def fields_of(record):
    return {k: v for k, v in record.items() if k not in META and not k.startswith("__tag__:")}


def pull(emu, shard, query, accept="lz4"):
    path = "/logstores/app/shards/%d?type=log&count=1000&cursor=%s&query=%s&pullMode=scan_on_stream" % (
        shard, urllib.parse.quote(cursor(0), safe=""), urllib.parse.quote(query, safe=""))
    return emu.request("GET", path, headers={"Accept-Encoding": accept})


def main():
    now = int(time.time())
    levels = ["ERROR", "INFO", "WARN", "ERROR", "DEBUG", "INFO"]
    logs = []  # every log written: dict of its fields
    emu = Emulator(logstores=("app:2",))
    try:
        for g in range(8):
            group = []
            for i in range(6):
                n = g * 6 + i
                fields = {"level": levels[(g + i) % len(levels)], "message": "event %d" % n, "host": "web-%d" % (n % 3),
                          "status": str([200, 404, 500, 503, 200, 302][i]), "bytes": "-" if n % 7 == 0 else str(n * 100)}
                if n % 5 == 0:
                    del fields["host"]  # a missing field is null
                logs.append(fields)
                group.append((now, sorted(fields.items())))
            emu.put("app", encode_group(group, topic="t", source="10.0.0.1", tags=[("env", "test")]),
                    target=str(g % 2))

        # The acceptance: only matching logs, only the projected fields.
        r = consume(emu, "--query", "* | where level = 'ERROR' | project level, message")
        check(r.returncode == 0, "consume --query exit %d: %s" % (r.returncode, r.stderr))
        got = records(r.stdout)
        want = [{"level": f["level"], "message": f["message"]} for f in logs if f["level"] == "ERROR"]
        check(len(want) > 0 and len(want) < len(logs), "the data must hold both matching and other logs")
        check(sorted(map(fields_of, got), key=lambda f: f["message"]) == sorted(want, key=lambda f: f["message"]),
              "consume --query printed %d records, want %d: %s" % (len(got), len(want), [fields_of(x) for x in got][:4]))
        check(all(list(fields_of(x)) == ["level", "message"] for x in got), "fields in project order: %s" % got[:2])
        check(all(x.get("__topic__") == "t" for x in got), "topic passes through: %s" % got[:1])

        # Numbers: a cast and a comparison; text that is no number fails the
        # log (dropped), a missing field is null (dropped).
        r = consume(emu, "--query", "* | where cast(bytes as bigint) >= 2000 and host is not null | project-away status")
        check(r.returncode == 0, "cast query exit %d: %s" % (r.returncode, r.stderr))
        want = sorted(f["message"] for f in logs if f["bytes"] != "-" and int(f["bytes"]) >= 2000 and "host" in f)
        got = records(r.stdout)
        check(sorted(x["message"] for x in got) == want, "cast query: %d records, want %d" % (len(got), len(want)))
        check(all("status" not in x and "bytes" in x for x in got), "project-away status: %s" % got[:1])

        # Text against a number compares numerically; extend adds a field.
        r = consume(emu, "--query", "* | where status >= 500 | extend kb = cast(bytes as double) / 1000 "
                                    "| where message like 'event 1%' | project message, kb")
        check(r.returncode == 0, "extend query exit %d: %s" % (r.returncode, r.stderr))
        want = sorted(f["message"] for f in logs if int(f["status"]) >= 500 and f["message"].startswith("event 1")
                      and f["bytes"] != "-")
        got = records(r.stdout)
        check(sorted(x["message"] for x in got) == want, "extend query: %s, want %s" % (got, want))
        for x in got:
            n = int(x["message"].split()[1])
            check(float(x["kb"]) == n * 100 / 1000 and "." in x["kb"], "kb of %s: %r" % (x["message"], x["kb"]))

        # The SPL statistics headers, on a raw pull.
        status, hdrs, body = pull(emu, 0, "* | where level = 'ERROR'", accept="")
        check(status == 200, "raw pull with a query: %d %s" % (status, body[:200]))
        shard0 = [f for g in range(0, 8, 2) for f in logs[g * 6:(g + 1) * 6]]
        errors0 = sum(1 for f in shard0 if f["level"] == "ERROR")
        check(hdrs.get("x-log-rawdatacount") == "4", "x-log-rawdatacount %r" % hdrs.get("x-log-rawdatacount"))
        check(hdrs.get("x-log-rawdatalines") == str(len(shard0)), "x-log-rawdatalines %r" % hdrs.get("x-log-rawdatalines"))
        check(hdrs.get("x-log-resultlines") == str(errors0), "x-log-resultlines %r" % hdrs.get("x-log-resultlines"))
        check(hdrs.get("x-log-failedlines") == "0", "x-log-failedlines %r" % hdrs.get("x-log-failedlines"))
        check(int(hdrs["x-log-rawdatasize"]) > len(body) == int(hdrs["x-log-bodyrawsize"]), "sizes %s" % hdrs)
        check(hdrs.get("x-log-cursor") == cursor(4), "the cursor passes every group read: %s" % hdrs.get("x-log-cursor"))
        check(int(hdrs["x-log-count"]) == len(decode_group_list(body)), "x-log-count matches the body")
        status, hdrs, _ = pull(emu, 0, "* | where cast(bytes as bigint) > 0")
        check(status == 200 and hdrs.get("x-log-failedlines") == str(sum(1 for f in shard0 if f["bytes"] == "-")),
              "failed lines: %s" % hdrs.get("x-log-failedlines"))

        # A query outside the subset: 400 ParameterInvalid naming the part.
        status, hdrs, body = pull(emu, 0, "* | parse-json message")
        check(status == 400, "unsupported command -> %d" % status)
        err = json.loads(body)
        check(err["errorCode"] == "ParameterInvalid", "error code %r" % err)
        check("parse-json is not supported by slsflow emulator" in err["errorMessage"], "message %r" % err)
        status, _, body = pull(emu, 1, "* | where lower(level) = 'error'")
        check(status == 400 and b"the function lower() is not supported" in body, "function -> %d %s" % (status, body))

        # consume: exit 1, the server's code and message on stderr, no data.
        for query, part in [("* | parse-json message", "parse-json is not supported"),
                            ("* | where level = 'ERROR", "has no closing '"),
                            ("* | where level", "where needs a condition that is true or false")]:
            r = consume(emu, "--query", query)
            check(r.returncode == 1, "bad query %r: exit %d, stderr %s" % (query, r.returncode, r.stderr))
            check("ParameterInvalid" in r.stderr and part in r.stderr, "bad query %r: stderr %r" % (query, r.stderr))
            check(r.stdout == "", "bad query %r printed data: %r" % (query, r.stdout[:200]))

        # Without --query: everything, as before.
        r = consume(emu)
        check(r.returncode == 0 and len(records(r.stdout)) == len(logs), "no query: %d records" % len(records(r.stdout)))
    finally:
        emu.stop()
    print("ok")


if __name__ == "__main__":
    main()
