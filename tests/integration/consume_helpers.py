"""Shared helpers of the consume integration tests (python3 stdlib only).

Starts `slsflow emulator --no-auth`, writes LogGroups with a tiny hand-rolled
protobuf encoder over unsigned HTTP (so the tests depend on neither
`slsflow produce` nor an SDK), and splits/merges shards.
"""
import atexit
import hashlib
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

BIN = os.environ.get("SLSFLOW_BIN", "slsflow")


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emulator_testlib import varint, field_bytes  # noqa: E402  (one protobuf encoder for all tests)


def field_varint(num, value):
    return varint(num << 3) + varint(value)


def log_group(logs, topic="t", log_time=None):
    """logs: list of dicts key -> value. One LogGroup, serialized."""
    t = int(time.time()) if log_time is None else log_time
    body = b""
    for log in logs:
        entry = field_varint(1, t)
        for k, v in log.items():
            entry += field_bytes(2, field_bytes(1, k) + field_bytes(2, v))
        body += field_bytes(1, entry)
    body += field_bytes(3, topic)
    return body


class ServerError(RuntimeError):
    pass


class Emulator:
    def __init__(self, *args, logstores=("app:4",), auth=False):
        cmd = [BIN, "emulator", "--listen", "127.0.0.1:0", "--project", "demo"]
        for ls in logstores:
            cmd += ["--logstore", ls]
        if auth:
            cmd += ["--access-key-id", "testid", "--access-key-secret", "testsecret"]
        else:
            cmd += ["--no-auth"]
        cmd += list(args)
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("listening "):
            self.proc.kill()
            raise RuntimeError("emulator did not start: %r" % line)
        self.url = line.split(" ", 1)[1]
        hostport = self.url.split("//", 1)[1]
        self.host, port = hostport.rsplit(":", 1)
        self.port = int(port)

    def close(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def request(self, method, path, body=b"", headers=None):
        # The emulator's fault layer answers 5xx before handling a request,
        # so a retry never duplicates a write.
        for attempt in range(50):
            try:
                return self._request_once(method, path, body, headers)
            except ServerError:
                time.sleep(0.01)
        return self._request_once(method, path, body, headers)

    def _request_once(self, method, path, body=b"", headers=None):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        hdrs = {"Host": "demo.%s:%d" % (self.host, self.port), "x-log-apiversion": "0.6.0",
                "x-log-bodyrawsize": str(len(body)), "Content-Length": str(len(body)),
                "Date": time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime())}
        if body:
            hdrs["Content-Type"] = "application/x-protobuf"
            hdrs["Content-MD5"] = hashlib.md5(body).hexdigest().upper()
        hdrs.update(headers or {})
        for k, v in hdrs.items():
            conn.putheader(k, v)
        conn.endheaders()
        if body:
            conn.send(body)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        if resp.status >= 500:
            raise ServerError("%s %s -> %d" % (method, path, resp.status))
        if resp.status != 200:
            raise RuntimeError("%s %s -> %d %s" % (method, path, resp.status, data[:200]))
        return data

    def put(self, logstore, logs, hash_key=None, topic="t"):
        body = log_group(logs, topic)
        if hash_key:
            self.request("POST", "/logstores/%s/shards/route?key=%s" % (logstore, hash_key), body)
        else:
            self.request("POST", "/logstores/%s/shards/lb" % logstore, body)

    def shards(self, logstore):
        return json.loads(self.request("GET", "/logstores/%s/shards" % logstore))

    def split(self, logstore, shard, key):
        return json.loads(self.request("POST", "/logstores/%s/shards/%d?action=split&key=%s" % (logstore, shard, key)))

    def merge(self, logstore, shard):
        return json.loads(self.request("POST", "/logstores/%s/shards/%d?action=merge" % (logstore, shard)))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def key_hex(top):
    """A 32-hex hash key whose top byte is `top`."""
    return "%02x" % top + "0" * 30


def consume_cmd(emu, *args):
    return [BIN, "consume", "--endpoint", emu.url, "-p", "demo", "-l", "app", "-q"] + list(args)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=kw.pop("timeout", 60), **kw)


def tempdir():
    d = tempfile.mkdtemp(prefix="slsflow-consume-it-")
    if not os.environ.get("CONSUME_KEEP"):  # set it to keep the files of a failed run
        atexit.register(shutil.rmtree, d, True)
    return d


def check(cond, message):
    if not cond:
        print("FAIL: " + message, file=sys.stderr)
        sys.exit(1)


def jsonl_values(text, key="seq"):
    out = []
    for line in text.splitlines():
        if line.strip():
            out.append(json.loads(line)[key])
    return out
