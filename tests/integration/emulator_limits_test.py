"""The emulator's limits through the real binary (issue 18 points 3-4,
issue 21 point 4):

- 16 parallel 3 MB {"a":{"a":... bodies to JSON APIs keep the emulator's
  peak memory (VmHWM) bounded, whether the body bound refuses them unread
  (413) or the nesting bound refuses them unparsed (400);
- every PutLogs rule answers with SLS's status and code and stores nothing
  of the request;
- each limit flag changes its limit, and a bad value is a usage error;
- the logstore ttl expires data on the admin clock, and the begin cursor
  moves with it."""
import json
import os
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emulator_testlib import BIN, Emulator, check, cursor, cursor_offset, encode_group, field_bytes, varint  # noqa: E402

NESTED_BYTES = 3 * 1000 * 1000
PARALLEL = 16
ADMIN = "t0ken"


def vm_hwm_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM for pid %d" % pid)


def group_with_value(t, key, value):
    """A one-log LogGroup whose value is raw bytes (encode_group takes text)."""
    log = varint(1 << 3) + varint(t) + field_bytes(2, field_bytes(1, key) + field_bytes(2, value))
    return field_bytes(1, log)


def raw_post(port, path, body, headers=()):
    """One POST on a fresh socket; the status, or None when the server
    closed before answering (it may refuse an oversized body unread)."""
    head = ["POST %s HTTP/1.1" % path, "Host: demo.127.0.0.1",
            "Date: %s" % time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime()),
            "Content-Type: application/json"] + list(headers)
    if not any(h.startswith("Content-Length:") for h in headers):
        head.append("Content-Length: %d" % len(body))
    s = socket.create_connection(("127.0.0.1", port), timeout=60)
    try:
        try:
            s.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        except OSError:
            pass  # refused mid-body: the reply may still be readable
        reply = b""
        while b"\r\n\r\n" not in reply:
            chunk = s.recv(65536)
            if not chunk:
                return None, b""
            reply += chunk
        head, _, body = reply.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(body) < length:
            chunk = s.recv(65536)
            if not chunk:
                break
            body += chunk
        return int(head.split(b" ", 2)[1]), body
    except OSError:
        return None, b""
    finally:
        s.close()


def nested_flood(emu, path):
    body = b""
    unit = b'{"a":'
    body = unit * (NESTED_BYTES // len(unit))
    results = [None] * PARALLEL
    def one(i):
        results[i] = raw_post(emu.port, path, body)
    threads = [threading.Thread(target=one, args=(i,)) for i in range(PARALLEL)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def memory_bound():
    # Default bounds: a JSON body over 1 MiB is refused before it is read.
    emu = Emulator(logstores=("app:2",))
    try:
        base = vm_hwm_kb(emu.proc.pid)
        results = nested_flood(emu, "/logstores/app/consumergroups")
        got = [s for s, _ in results if s is not None]
        check(got and all(s == 413 for s in got), "default bounds: statuses %s" % [s for s, _ in results])
        grew = vm_hwm_kb(emu.proc.pid) - base
        check(grew < 64 * 1024, "16 x 3 MB refused unread still grew the peak by %d KiB" % grew)
        check(emu.json("GET", "/logstores/app/consumergroups") == [], "the emulator still answers")
    finally:
        check(emu.stop() == 0, "emulator did not stop cleanly")

    # Bodies that big admitted: read whole, refused for their nesting
    # before any parser runs. Heartbeat, consumer group and admin alike.
    emu = Emulator("--max-json-body", "4m", "--admin-token", ADMIN, logstores=("app:2",))
    try:
        base = vm_hwm_kb(emu.proc.pid)
        for path in ("/logstores/app/consumergroups", "/logstores/app/consumergroups/cg?type=heartbeat&consumer=c"):
            results = nested_flood(emu, path)
            check(all(s == 400 and b"PostBodyInvalid" in r for s, r in results),
                  "%s: %s" % (path, [(s, r[-120:]) for s, r in results][:3]))
        status, reply = raw_post(emu.port, "/_slsflow/admin/clock", b"[" * 100000,
                                 ["x-slsflow-admin-token: " + ADMIN])
        check(status == 400 and b"PostBodyInvalid" in reply, "admin endpoint: %s %s" % (status, reply[-200:]))
        grew = vm_hwm_kb(emu.proc.pid) - base
        # The bodies themselves: 16 x 3 MB, at most twice over while read.
        check(grew < 160 * 1024, "16 x 3 MB nested bodies grew the peak by %d KiB" % grew)
        print("peak growth with 16 parallel 3 MB nested bodies: %d KiB" % grew)
    finally:
        check(emu.stop() == 0, "emulator did not stop cleanly")


def put(emu, logstore, group, headers=None):
    h = {"Content-Type": "application/x-protobuf", "x-log-bodyrawsize": str(len(group))}
    h.update(headers or {})
    status, _, data = emu.request("POST", "/logstores/%s/shards/lb" % logstore, group, h)
    return status, (json.loads(data) if data else {})


def stored_groups(emu, logstore, shards=2):
    total = 0
    for s in range(shards):
        total += cursor_offset(emu.json("GET", "/logstores/%s/shards/%d?type=cursor&from=end" % (logstore, s))["cursor"])
    return total


def put_rules():
    now = int(time.time())
    emu = Emulator(logstores=("app:2",))
    try:
        good = [("level", "info"), ("msg", "ok")]
        cases = [
            ("key over 128 bytes", [("k" * 129, "v")], now, 400, "InvalidKey"),
            ("key with a dot", [("a.b", "v")], now, 400, "InvalidKey"),
            ("key starting with a digit", [("1st", "v")], now, 400, "InvalidKey"),
            ("reserved key", [("__time__", "1")], now, 400, "InvalidKey"),
            ("value over 1 MiB", [("k", "v" * ((1 << 20) + 1))], now, 400, "PostBodyInvalid"),
            ("empty contents", [], now, 400, "PostBodyInvalid"),
            ("time 8 days old", [("k", "v")], now - 8 * 86400, 400, "PostBodyInvalid"),
            ("time 1 hour ahead", [("k", "v")], now + 3600, 400, "PostBodyInvalid"),
        ]
        for what, contents, t, status, code in cases:
            group = encode_group([(now, good), (t, contents), (now, good)])
            got, err = put(emu, "app", group)
            check(got == status and err.get("errorCode") == code, "%s: %d %s" % (what, got, err))
        # Not UTF-8 (encode_group encodes str, so build the value by hand).
        got, err = put(emu, "app", group_with_value(now, "k", b"\xff\xfe"))
        check(got == 400 and err.get("errorCode") == "InvalidEncoding", "not UTF-8: %d %s" % (got, err))
        # Refused on its Content-Length, before a byte of it is read.
        status, data = raw_post(emu.port, "/logstores/app/shards/lb", b"", ["Content-Length: %d" % (10485760 + 1)])
        check(status == 413 and json.loads(data)["errorCode"] == "PostBodyTooLarge" and
              "10485760" in json.loads(data)["errorMessage"], "body over 10 MiB: %s %s" % (status, data[:200]))
        check(stored_groups(emu, "app") == 0, "a rejected request stored something")
        check(put(emu, "app", encode_group([(now, good)]))[0] == 200, "a valid group is refused")
        check(stored_groups(emu, "app") == 1, "the valid group was not stored")
    finally:
        check(emu.stop() == 0, "emulator did not stop cleanly")


def limit_flags():
    now = int(time.time())
    emu = Emulator("--max-body", "2k", "--max-logs-per-request", "3", "--max-key-bytes", "4",
                   "--max-value-bytes", "8", "--max-log-age", "0", "--accept-invalid-utf8",
                   "--max-json-depth", "2", logstores=("app:1",))
    try:
        check(put(emu, "app", encode_group([(now, [("k", "v")])] * 4))[1].get("errorCode") == "PostBodyTooLarge",
              "--max-logs-per-request 3")
        check(put(emu, "app", encode_group([(now, [("abcde", "v")])]))[1].get("errorCode") == "InvalidKey",
              "--max-key-bytes 4")
        check(put(emu, "app", encode_group([(now, [("k", "123456789")])]))[1].get("errorCode") == "PostBodyInvalid",
              "--max-value-bytes 8")
        check(put(emu, "app", group_with_value(now, "k", b"x" * 3000))[0] == 413, "--max-body 2k")
        check(put(emu, "app", group_with_value(1000, "k", b"\xff\xfe"))[0] == 200,
              "--max-log-age 0 and --accept-invalid-utf8 store old, non-UTF-8 logs")
        status, _, data = emu.request("POST", "/logstores/app/consumergroups", b'{"a":{"b":[1]}}',
                                      {"Content-Type": "application/json"})
        check(status == 400 and json.loads(data)["errorCode"] == "PostBodyInvalid", "--max-json-depth 2: %s" % data)
    finally:
        check(emu.stop() == 0, "emulator did not stop cleanly")
    emu = Emulator("--max-pull-bytes", "4k", logstores=("app:1",))
    try:
        for _ in range(4):
            check(put(emu, "app", encode_group([(now, [("k", "x" * 1500)])]))[0] == 200, "puts under the limits")
        _, nxt = emu.pull("app", 0, 0)
        check(nxt == 2, "--max-pull-bytes 4k: one pull returned %d groups of 1.5 KB" % nxt)
    finally:
        check(emu.stop() == 0, "emulator did not stop cleanly")
    helptext = subprocess.run([BIN, "emulator", "--help"], capture_output=True, text=True).stdout
    flags = ["--max-body", "--max-group-bytes", "--max-logs-per-request", "--max-key-bytes", "--max-value-bytes",
             "--max-topic-bytes", "--max-log-age", "--max-log-ahead", "--accept-invalid-utf8", "--max-json-body",
             "--max-json-depth", "--max-pull-bytes", "--pull-cache-bytes", "--max-shards", "--read-timeout",
             "--request-deadline", "--keep-alive-idle", "--max-connections"]
    for flag in flags:
        check(flag in helptext, "%s missing from --help" % flag)
        with open(os.path.join(os.environ.get("SLSFLOW_SOURCE_DIR", "."), "man", "slsflow-emulator.1")) as f:
            check(flag.replace("-", "\\-") in f.read(), "%s missing from man/slsflow-emulator.1" % flag)
        if flag == "--accept-invalid-utf8":
            continue
        r = subprocess.run([BIN, "emulator", "--no-auth", flag, "lots"], capture_output=True, text=True, timeout=10)
        check(r.returncode == 2 and flag in r.stderr, "%s lots: exit %d %s" % (flag, r.returncode, r.stderr))


def ttl_on_admin_clock():
    emu = Emulator("--admin-token", ADMIN, logstores=())
    offset = [0]

    def date():
        return time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + offset[0]))

    def call(method, path, body=b"", headers=None):
        h = {"Date": date(), "Content-Type": "application/json"}
        h.update(headers or {})
        return emu.request(method, path, body, h)

    def begin():
        status, _, data = call("GET", "/logstores/short/shards/0?type=cursor&from=begin")
        check(status == 200, "GetCursor: %d %s" % (status, data))
        return cursor_offset(json.loads(data)["cursor"])

    def move_clock(days):
        offset[0] = int(days * 86400)
        status, _, data = emu.request("PUT", "/_slsflow/admin/clock", json.dumps({"offsetSeconds": offset[0]}),
                                      {"x-slsflow-admin-token": ADMIN})
        check(status == 200, "admin clock: %d %s" % (status, data))

    try:
        check(call("POST", "/logstores", json.dumps({"logstoreName": "short", "ttl": 2, "shardCount": 1}))[0] == 200,
              "CreateLogStore")
        for day in (0, 1):
            move_clock(day)
            t = int(time.time()) + offset[0]
            status, _, data = call("POST", "/logstores/short/shards/0", encode_group([(t, [("day", str(day))])]),
                                   {"Content-Type": "application/x-protobuf"})
            check(status == 200, "put on day %d: %d %s" % (day, status, data))
        check(begin() == 0, "nothing has expired yet")
        move_clock(2.5)
        check(begin() == 1, "the day-0 group outlived its 2-day ttl")
        status, hdrs, _ = call("GET", "/logstores/short/shards/0?type=log&count=10&cursor=" +
                               cursor(0).replace("=", "%3D"))
        check(status == 200 and hdrs["x-log-count"] == "1" and cursor_offset(hdrs["x-log-cursor"]) == 2,
              "a pull from an expired cursor starts at the oldest retained group: %s" % hdrs)
        move_clock(3.5)
        check(begin() == 2, "everything has expired: begin is end")
    finally:
        check(emu.stop() == 0, "emulator did not stop cleanly")


def main():
    memory_bound()
    put_rules()
    limit_flags()
    ttl_on_admin_clock()
    print("emulator_limits_test: ok")


if __name__ == "__main__":
    main()
