"""Acceptance 1 of issue 6: a 100k-line corpus (unicode, empty values, 2 KB
values, tabs, quotes, control bytes given as {"base64":...}) produced in each input mode
and consumed back is exact: keys, values, time, time_ns, topic, source and
tags. Then `consume -f jsonl | produce --input jsonl` into a second
logstore reproduces the first exactly."""
import base64
import collections
import csv
import io
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from produce_helpers import (Emulator, check, consume_all, consume_args, contents, field, produce_cmd,  # noqa: E402
                             run, tempdir)

N = 100000
WORDS = ["plain", "h\u00e9llo w\u00f6rld", "\u4e2d\u6587\u65e5\u672c\u8a9e", "emoji \U0001F600\U0001F680",
         "tab\there\tand\tthere", 'say "quoted" and \'single\'', "back\\slash", "", "comma, separated",
         "ctl \u0001\u001f end", "json {\"a\": [1, 2]}"]


def msg(i):
    return "%s #%d" % (WORDS[i % len(WORDS)], i) if i % 7 else WORDS[i % len(WORDS)]


def big(i):
    return ("%06d" % i) * 342 if i % 97 == 0 else ""  # ~2 KB


def normalize(rec):
    meta = {}
    tags = []
    for k, v in rec:
        if k.startswith("__tag__:"):
            tags.append((k, v))
        elif k.startswith("__"):
            meta[k] = v
    return (meta.get("__time__"), meta.get("__time_ns__"), meta.get("__topic__", b""), meta.get("__source__", b""),
            tuple(sorted(tags)), contents(rec))


def expect_jsonl(now):
    lines, want = [], []
    for i in range(N):
        t, ns = now - 3600 + i % 1800, (i * 7919) % 1000000000
        topic, source = "topic-%d" % (i % 3), "10.0.0.%d" % (i % 5)
        tag = "t%d" % (i % 2)
        obj = {"__time__": t, "__time_ns__": ns, "__topic__": topic, "__source__": source, "__tag__:env": tag,
               "id": "%06d" % i, "msg": msg(i), "empty": "", "big": big(i)}
        kv = [(b"id", obj["id"].encode()), (b"msg", obj["msg"].encode()), (b"empty", b""),
              (b"big", obj["big"].encode())]
        if i % 1000 == 0:
            # Bytes through {"base64"}: control characters and multi-byte
            # text. Bytes that are not UTF-8 SLS refuses; produce_rejects_test
            # covers those.
            raw = bytes([0x00, 0x01, i % 128]) + "\u00e9\u4e2d".encode()
            obj["bin"] = {"base64": base64.b64encode(raw).decode()}
            kv.append((b"bin", raw))
        lines.append(json.dumps(obj, ensure_ascii=(i % 2 == 0)))
        want.append((str(t).encode(), str(ns).encode(), topic.encode(), source.encode(),
                     (("__tag__:env", tag.encode()),), tuple((k.decode(), v) for k, v in kv)))
    return "\n".join(lines) + "\n", want


def same(got, want, what):
    g, w = collections.Counter(got), collections.Counter(want)
    missing, extra = w - g, g - w
    check(not missing and not extra, "%s: %d missing, %d extra; e.g. missing %r extra %r" % (
        what, sum(missing.values()), sum(extra.values()), list(missing)[:1], list(extra)[:1]))


def main():
    d = tempdir()
    now = int(time.time())
    with Emulator(logstores=("lines:2", "jsonl:4", "regex:2", "csv:2", "copy:3")) as emu:
        # line: each line is one value under --key.
        text_lines = ["%06d\t%s" % (i, msg(i)) + ("\t" + big(i) if big(i) else "") for i in range(N)]
        # Standard input redirected from a file of 4 MB or more is read
        # through mmap (produce_mapped_input.cc): this run covers that path.
        lines_path = os.path.join(d, "lines.txt")
        with open(lines_path, "wb") as f:
            f.write(("\n".join(text_lines) + "\n").encode())
        check(os.path.getsize(lines_path) >= 4 << 20, "the line corpus must be big enough to be mapped")
        t0 = time.time()
        with open(lines_path, "rb") as stdin:
            r = run(produce_cmd(emu, "lines", "--key", "line", "--topic", "tp", "--source", "src",
                                "--tag", "a=1", "--tag", "b=2", "--stats"), stdin=stdin)
        t1 = time.time()
        check(r.returncode == 0, "line mode exit %d: %s" % (r.returncode, r.stderr))
        _, recs = consume_all(emu, "lines")
        same([field(x, "line").decode() for x in recs], text_lines, "line mode values")
        for x in recs[:1000]:
            check(int(t0) - 1 <= int(field(x, "__time__")) <= int(t1) + 1, "line mode time %r" % (x,))
            check(field(x, "__time_ns__") is not None, "line mode writes time_ns")
            check(field(x, "__topic__") == b"tp" and field(x, "__source__") == b"src", "line mode meta %r" % (x,))
            check(field(x, "__tag__:a") == b"1" and field(x, "__tag__:b") == b"2", "line mode tags %r" % (x,))

        # jsonl: everything, including per-line topic/source/tags and bytes.
        # From --file, also mapped; and the last line has no newline, which
        # the mapped reader hands to the read() path.
        text, want = expect_jsonl(now)
        jsonl_path = os.path.join(d, "in.jsonl")
        with open(jsonl_path, "wb") as f:
            f.write(text.rstrip("\n").encode())
        check(os.path.getsize(jsonl_path) >= 4 << 20, "the jsonl corpus must be big enough to be mapped")
        r = run(produce_cmd(emu, "jsonl", "--input", "jsonl", "--stats", "--file", jsonl_path))
        check(r.returncode == 0, "jsonl exit %d: %s" % (r.returncode, r.stderr))
        lines, recs = consume_all(emu, "jsonl")
        got = [normalize(x) for x in recs]
        same(got, want, "jsonl mode records")

        # regex: named groups, time from the line.
        rx = [("%d %d %06d %s" % (now - i % 1800, i % 1000000000, i, msg(i))) for i in range(N)]
        r = run(produce_cmd(emu, "regex", "--input", "regex", "--regex",
                            r"^(?P<__time__>\d+) (?P<__time_ns__>\d+) (?P<id>[0-9]+) (?P<msg>.*)$"),
                input=("\n".join(rx) + "\n").encode())
        check(r.returncode == 0, "regex exit %d: %s" % (r.returncode, r.stderr))
        _, recs = consume_all(emu, "regex")
        same([normalize(x) for x in recs],
             [(str(now - i % 1800).encode(), str(i % 1000000000).encode(), b"", b"", (),
               (("id", b"%06d" % i), ("msg", msg(i).encode()))) for i in range(N)], "regex mode records")

        # csv: RFC 4180 quoting, including newlines inside quoted fields.
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["__time__", "__time_ns__", "id", "msg", "big"])
        want_csv = []
        for i in range(N):
            m = msg(i) + ("\nsecond line" if i % 501 == 0 else "")
            w.writerow([now - i % 1800, i % 1000, "%06d" % i, m, big(i)])
            want_csv.append((str(now - i % 1800).encode(), str(i % 1000).encode(), b"", b"", (),
                             (("id", b"%06d" % i), ("msg", m.encode()), ("big", big(i).encode()))))
        r = run(produce_cmd(emu, "csv", "--input", "csv"), input=buf.getvalue().encode())
        check(r.returncode == 0, "csv exit %d: %s" % (r.returncode, r.stderr))
        _, recs = consume_all(emu, "csv")
        same([normalize(x) for x in recs], want_csv, "csv mode records")

        # consume -f jsonl | produce --input jsonl reproduces the logstore.
        consume = subprocess.Popen(consume_args(emu, "jsonl"), stdout=subprocess.PIPE)
        r = subprocess.run(produce_cmd(emu, "copy", "--input", "jsonl"), stdin=consume.stdout,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
        consume.stdout.close()
        check(consume.wait(60) == 0, "consume for the copy failed")
        check(r.returncode == 0, "copy exit %d: %s" % (r.returncode, r.stderr))
        _, copied = consume_all(emu, "copy")
        same([normalize(x) for x in copied], got, "consume | produce copy")
    print("ok: %d logs exact in line, jsonl, regex and csv modes; consume|produce copy identical" % N)


if __name__ == "__main__":
    main()
