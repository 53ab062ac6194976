#!/usr/bin/env python3
"""Writes a seed corpus for one fuzz target from the tests/data/golden captures.

usage: fuzz_corpus.py TARGET OUT_DIR GOLDEN_DIR
Seeds are real bytes the SDKs sent or received, so the fuzzer starts from
valid inputs and mutates toward the edges.
"""
import base64, glob, hashlib, json, os, struct, sys


def captures(golden):
    for path in sorted(glob.glob(os.path.join(golden, "*", "*.json"))):
        with open(path) as f:
            yield json.load(f)


def seeds(target, golden):
    caps = list(captures(golden)) if os.path.isdir(golden) else []
    if target == "loggroup":
        for c in caps:
            body = c.get("analysis", {}).get("body") or {}
            if body.get("raw_hex"):
                yield bytes.fromhex(body["raw_hex"])
            elif body.get("log_group") is not None:
                yield base64.b64decode(c["body_b64"])
    elif target == "emulator_log_rules":
        # Byte 0 picks the limits (see the target); the rest is a LogGroup.
        for c in caps:
            body = c.get("analysis", {}).get("body") or {}
            group = bytes.fromhex(body["raw_hex"]) if body.get("raw_hex") else (
                base64.b64decode(c["body_b64"]) if body.get("log_group") is not None else None)
            if group is not None:
                for mode in (0, 1, 2, 4, 7):
                    yield bytes([mode]) + group
    elif target == "codec":
        codes = {None: 0, "lz4": 1, "zstd": 2, "deflate": 3}
        for c in caps:
            body = c.get("analysis", {}).get("body") or {}
            if "log_group" not in body:
                continue
            ct = body.get("x-log-compresstype")
            raw = int(body.get("x-log-bodyrawsize") or body.get("raw_len") or 0)
            yield bytes([codes.get(ct, 0)]) + struct.pack("<I", raw) + base64.b64decode(c["body_b64"])
    elif target == "sls_json":
        yield b'{"errorCode":"LogStoreNotExist","errorMessage":"logstore app does not exist"}'
        for c in caps:
            r = c.get("response", {})
            if r.get("body_json") is not None:
                yield json.dumps(r["body_json"]).encode()
    elif target == "time_grammar":
        for s in ["begin", "end", "checkpoint", "1700000000", "2026-11-01T00:00Z", "2026-11-01T00:00:00+08:00",
                  "2026-11-01 00:00:00.123Z", "-15m", "15m ago", "2h ago", "yesterday", "today", "now", "-1d"]:
            yield s.encode()
    elif target == "spl":
        # Queries for the emulator's SPL on PullLogs: every construct of the
        # subset, the documented idioms, and a few it must refuse.
        for q in ["*", "* | where level = 'ERROR' | project level, message",
                  "* | where host like '%www%'", "* | where message not like 'h_llo%'",
                  "* | where cast(bytes as bigint) > 14000",
                  "* | extend timediff = cast(status as bigint) - cast(bytes as bigint) | where timediff > 100",
                  "* | where status >= 500 and (level = 'ERROR' or level != 'WARN')",
                  "* | where not (status < 400) or a is null or b is not null",
                  "* | where cast(latency as double) * 2.5 / 1e3 <= -0.5",
                  "* | extend n = cast(status as bigint), ok = n <> 200, s = cast(n as varchar) | project-away a, b",
                  "* | project level, \"x y\", message | where level = 'x'",
                  "* | where __time__ > 1700000000 and __topic__ = 'a' and \"__tag__:host\" like 'web%'",
                  "* | where 'it''s' = message | where status = 9223372036854775807",
                  "* | parse-json body", "* | where upper(level) = 'X'", "level:ERROR",
                  "* | where a in ('x')", "* | where ((((a = 'x'))))"]:
            yield q.encode()
    elif target == "emulator_request":
        for c in caps:
            lines = [c["request_line"]] + ["%s: %s" % (k, v) for k, v in c["headers"]]
            yield ("\r\n".join(lines) + "\r\n\r\n").encode() + base64.b64decode(c["body_b64"])
    elif target.startswith("produce"):
        # byte 0 picks the parser: 0 jsonl, 1 regex, 2 csv
        yield b'\x00{"__time__":1700000000,"__topic__":"t","__tag__:env":"test","msg":"hello","n":1}\n'
        yield b'\x00{"k":{"base64":"/w=="},"__time_ns__":5}\n'
        yield b'\x01127.0.0.1 - - [25/Nov/2026:12:00:00 +0000] "GET / HTTP/1.1" 200 612\n'
        yield b'\x02a,b,c\n1,"two, with comma",3\n"multi\nline",x,y\n'
    elif target == "follow_state":
        # A valid file in the layout of doc/produce-state-format.md.
        import zlib
        body = b"slsflow-produce-state 1\npath /var/log/app.log\ninode 10963011\noffset 217500\ntail 256 4c2cc25a\n"
        yield body + b"crc32 %08x\n" % (zlib.crc32(body) & 0xffffffff)
    elif target == "consume_state":
        # A valid file in the layout of doc/state-format.md.
        import zlib
        body = json.dumps({
            "project": "demo", "endpoint": "http://127.0.0.1:8080", "logstores": ["app"], "name": "",
            "sequence": 42, "updated_unix_micros": 1764072000000000,
            "shards": [{"logstore": "app", "shard": 0, "cursor": "MTYwMDAwMDAwMDAwMDAwMDEyMw==",
                        "skip_groups": 0, "skip_logs": 3, "finished": False, "logs": 1200}],
            "files": [{"path": "out/app-0.jsonl", "committed": 183211, "device": 2049, "inode": 131202,
                       "stream": "out/app-0.jsonl", "segment": 0}]}).encode()
        head = b"slsflow-consume-state\nversion 1\nlength %d\n" % len(body) + body + b"\n"
        yield head + b"crc32 %08x\n" % (zlib.crc32(head) & 0xffffffff)
    else:
        yield b""


def main():
    target, out, golden = sys.argv[1], sys.argv[2], sys.argv[3]
    os.makedirs(out, exist_ok=True)
    n = 0
    for data in seeds(target, golden):
        name = hashlib.sha1(data).hexdigest()
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        n += 1
    print("fuzz: %d seeds for %s" % (n, target))


if __name__ == "__main__":
    main()
