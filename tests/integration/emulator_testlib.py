"""Shared helpers for the emulator integration tests (python3 stdlib only).

Starts `$SLSFLOW_BIN emulator` on a free port and talks SLS to it without
signatures (--no-auth still needs a Date header), encoding LogGroups by hand.
"""
import base64
import email.utils
import http.client
import json
import os
import signal
import subprocess
import sys
import time
import zlib

BIN = os.environ.get("SLSFLOW_BIN", "slsflow")
CURSOR_BASE = 1600000000000000000


def cursor(offset):
    return base64.b64encode(str(CURSOR_BASE + offset).encode()).decode()


def cursor_offset(c):
    return int(base64.b64decode(c)) - CURSOR_BASE


class Emulator:
    def __init__(self, *args, logstores=("app:4",), project="demo"):
        cmd = [BIN, "emulator", "--listen", "127.0.0.1:0", "--project", project]
        for ls in logstores:
            cmd += ["--logstore", ls]
        cmd += list(args)
        if "--access-key-id" not in args:
            cmd.append("--no-auth")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("listening http://127.0.0.1:"):
            err = self.proc.stderr.read()
            raise RuntimeError("emulator did not start: %r %s" % (line, err))
        self.port = int(line.rsplit(":", 1)[1])
        self.project = project

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("emulator did not stop within %ss" % timeout)
        return self.proc.returncode

    def request(self, method, path, body=b"", headers=None, host=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        h = {"Host": host or ("%s.127.0.0.1" % self.project), "Date": email.utils.formatdate(usegmt=True),
             "x-log-apiversion": "0.6.0"}
        if isinstance(body, str):
            body = body.encode()
        if body:
            h["x-log-bodyrawsize"] = str(len(body))
        h.update(headers or {})
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        data = r.read()
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        conn.close()
        return r.status, hdrs, data

    def json(self, method, path, body=b"", expect=200):
        status, _, data = self.request(method, path, body, {"Content-Type": "application/json"})
        if status != expect:
            raise AssertionError("%s %s -> %d %s (expected %d)" % (method, path, status, data[:300], expect))
        return json.loads(data) if data else None

    def put(self, logstore, group_bytes, target="lb", deflate=False):
        body = group_bytes
        headers = {"Content-Type": "application/x-protobuf", "x-log-bodyrawsize": str(len(group_bytes))}
        if deflate:
            body = zlib.compress(group_bytes)
            headers["x-log-compresstype"] = "deflate"
        status, _, data = self.request("POST", "/logstores/%s/shards/%s" % (logstore, target), body, headers)
        if status != 200:
            raise AssertionError("put -> %d %s" % (status, data[:300]))

    def pull(self, logstore, shard, start, count=1000):
        path = "/logstores/%s/shards/%d?type=log&count=%d&cursor=%s" % (
            logstore, shard, count, cursor(start).replace("=", "%3D"))
        status, hdrs, data = self.request("GET", path, headers={"Accept-Encoding": "deflate"})
        if status != 200:
            raise AssertionError("pull -> %d %s" % (status, data[:300]))
        raw = zlib.decompress(data) if hdrs.get("x-log-compresstype") == "deflate" else data
        return decode_group_list(raw), cursor_offset(hdrs["x-log-cursor"])


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field_bytes(num, payload):
    """A length-delimited protobuf field; str payloads are UTF-8 encoded."""
    if isinstance(payload, str):
        payload = payload.encode()
    return varint(num << 3 | 2) + varint(len(payload)) + payload


def encode_group(logs, topic="", source="", tags=()):
    """logs: [(time, [(key, value), ...])]; returns LogGroup protobuf bytes."""
    out = b""
    for t, contents in logs:
        log = varint(1 << 3) + varint(t)
        for k, v in contents:
            log += field_bytes(2, field_bytes(1, k.encode()) + field_bytes(2, v.encode()))
        out += field_bytes(1, log)
    out += field_bytes(3, topic.encode()) + field_bytes(4, source.encode())
    for k, v in tags:
        out += field_bytes(6, field_bytes(1, k.encode()) + field_bytes(2, v.encode()))
    return out


def _read_varint(b, i):
    shift = n = 0
    while True:
        c = b[i]
        i += 1
        n |= (c & 0x7F) << shift
        shift += 7
        if not c & 0x80:
            return n, i


def decode_group_list(raw):
    """Returns the LogGroup byte strings inside a LogGroupList."""
    groups, i = [], 0
    while i < len(raw):
        key, i = _read_varint(raw, i)
        if key != (1 << 3 | 2):
            raise AssertionError("unexpected field %d in LogGroupList" % key)
        n, i = _read_varint(raw, i)
        groups.append(raw[i:i + n])
        i += n
    return groups


def check(cond, message):
    if not cond:
        print("FAIL:", message, file=sys.stderr)
        raise SystemExit(1)
