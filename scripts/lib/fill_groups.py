#!/usr/bin/env python3
"""Fills a logstore of the emulator with log groups of a given size, spread
evenly over its shards (scripts/bench_consume.sh and the scale test).

  fill_groups.py URL LOGSTORE SHARDS GROUP_BYTES TOTAL_MB

Logs are ~500 bytes of four fields, as an access log would be; a group is
as many logs as fit GROUP_BYTES, routed by hash key to each shard in turn.
A handful of distinct groups are built once and reused, so filling is
bound by the emulator, not by Python."""
import hashlib
import http.client
import os
import random
import sys
import time

# One protobuf encoder for the tests and the benchmarks.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "integration"))
from emulator_testlib import field_bytes as field, varint  # noqa: E402


_TEXTS = [bytes(random.Random(i).choice(b"abcdefghij klmnop") for _ in range(430)) for i in range(61)]


def group(seed, group_bytes, prefix):
    """One LogGroup of about group_bytes; log i has seq PREFIX-SEED-i."""
    r = random.Random(seed)
    t = int(time.time())
    logs = []
    size = 0
    i = 0
    while size < group_bytes:
        log = varint(1 << 3) + varint(t)
        for k, v in ((b"seq", b"%s-%d-%d" % (prefix, seed, i)),
                     (b"level", (b"info", b"warn", b"error")[i % 3]),
                     (b"host", b"web-%02d" % r.randrange(40)),
                     (b"content", _TEXTS[(seed * 7 + i) % len(_TEXTS)])):
            log += field(2, field(1, k) + field(2, v))
        logs.append(field(1, log))
        size += len(logs[-1])
        i += 1
    return b"".join(logs) + field(3, b"bench")


def main():
    url, logstore, shards, group_bytes, total_mb = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), \
        float(sys.argv[5])
    host, port = url.split("//")[1].rsplit(":", 1)
    pool = [group(s, group_bytes, b"g") for s in range(4)]
    conn = http.client.HTTPConnection(host, int(port), timeout=120)
    sent, i = 0, 0
    while sent < total_mb * (1 << 20) or i < shards:
        body = pool[i % len(pool)]
        top = (i % shards) * 256 // shards
        # The low bytes pick a point inside the shard's range, whatever its width.
        key = "%02x" % top + "80" + "0" * 28
        conn.putrequest("POST", "/logstores/%s/shards/route?key=%s" % (logstore, key), skip_host=True,
                        skip_accept_encoding=True)
        for k, v in (("Host", "demo.%s:%s" % (host, port)), ("x-log-apiversion", "0.6.0"),
                     ("x-log-bodyrawsize", str(len(body))), ("Content-Length", str(len(body))),
                     ("Content-Type", "application/x-protobuf"), ("Content-MD5", hashlib.md5(body).hexdigest().upper()),
                     ("Date", time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime()))):
            conn.putheader(k, v)
        conn.endheaders()
        conn.send(body)
        resp = conn.getresponse()
        data = resp.read()
        if resp.status != 200:
            sys.exit("put failed: %d %s" % (resp.status, data[:200]))
        sent += len(body)
        i += 1
    print("filled %.0f MB in %d groups of %d KB over %d shards" % (sent / 2**20, i, len(pool[0]) >> 10, shards),
          file=sys.stderr)


if __name__ == "__main__":
    main()
