"""Faults and quotas set by flags and by the admin endpoint (issue 4,
"Faults"): 5xx, resets, slow replies, per-shard quotas, clock offset."""
import http.client
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emulator_testlib import Emulator, check, encode_group  # noqa: E402


# SLS takes log times within [now - 168 h, now + 15 min] only.
T0 = int(time.time()) - 3600
GROUP = encode_group([(T0, [("k", "v")])])


def code(body):
    try:
        return json.loads(body).get("errorCode")
    except ValueError:
        return None


def with_emulator(args, fn):
    emu = Emulator(*args, logstores=("app:2",))
    try:
        fn(emu)
    finally:
        check(emu.stop() == 0, "emulator %s did not stop cleanly" % (args,))


def busy(emu):
    for _ in range(3):
        status, hdrs, body = emu.request("GET", "/logstores/app/shards")
        check(status == 503 and code(body) == "ServerBusy", "--fault-503 1: %d %s" % (status, body))
        check(len(hdrs.get("x-log-requestid", "")) == 24, "request id on an injected fault")


def quota(emu):
    results = [emu.request("POST", "/logstores/app/shards/0", GROUP, {"Content-Type": "application/x-protobuf"})
               for _ in range(6)]
    ok = sum(1 for s, _, _ in results if s == 200)
    throttled = sum(1 for s, _, b in results if s == 403 and code(b) == "ShardWriteQuotaExceed")
    check(ok >= 2 and throttled >= 1 and ok + throttled == 6, "quota: %d ok, %d throttled" % (ok, throttled))
    # Another shard has its own bucket.
    s, _, _ = emu.request("POST", "/logstores/app/shards/1", GROUP, {"Content-Type": "application/x-protobuf"})
    check(s == 200, "quota is per shard")


def skew(emu):
    status, _, body = emu.request("GET", "/logstores/app/shards")
    check(status == 400 and code(body) == "RequestTimeExpired", "--clock-offset 3600: %d %s" % (status, body))


def slow(emu):
    start = time.time()
    status, _, _ = emu.request("GET", "/logstores/app/shards")
    check(status == 200 and time.time() - start >= 0.3, "slow reply took %.2fs" % (time.time() - start))


def reset(emu):
    try:
        emu.request("POST", "/logstores/app/shards/0", GROUP, {"Content-Type": "application/x-protobuf"})
        check(False, "--fault-reset 1 answered")
    except (ConnectionError, http.client.HTTPException, OSError):
        pass


def admin(emu):
    def call(method, what, body=b"", token="tok"):
        h = {"x-slsflow-admin-token": token} if token else {}
        return emu.request(method, "/_slsflow/admin/" + what, body, h)
    status, _, body = call("GET", "faults", token="wrong")
    check(status == 401, "wrong admin token: %d" % status)
    status, _, body = call("PUT", "faults", json.dumps({"p500": 1.0}))
    check(status == 200 and json.loads(body)["p500"] == 1.0, "set p500: %d %s" % (status, body))
    status, _, body = emu.request("GET", "/logstores/app/shards")
    check(status == 500 and code(body) == "InternalServerError", "p500=1: %d" % status)
    call("PUT", "faults", json.dumps({"p500": 0, "read_req_per_s": 1}))
    status, _, _ = emu.request("GET", "/logstores/app/shards")
    check(status == 200, "faults cleared")
    results = [emu.request("GET", "/logstores/app/shards/0?type=log&count=10&cursor=MTYwMDAwMDAwMDAwMDAwMDAwMA%3D%3D")[0]
               for _ in range(4)]
    check(403 in results and 200 in results, "read quota from the admin endpoint: %s" % results)
    call("PUT", "clock", json.dumps({"offsetSeconds": -3600}))
    status, _, body = emu.request("GET", "/logstores/app/shards")
    check(code(body) == "RequestTimeExpired", "clock offset from the admin endpoint: %d %s" % (status, body))


def main():
    with_emulator(["--fault-503", "1", "--seed", "3"], busy)
    with_emulator(["--quota-write-qps", "2"], quota)
    with_emulator(["--clock-offset", "3600"], skew)
    with_emulator(["--fault-slow", "1", "--fault-slow-ms", "300"], slow)
    with_emulator(["--fault-reset", "1"], reset)
    with_emulator(["--admin-token", "tok"], admin)
    print("emulator_faults_test: ok")


if __name__ == "__main__":
    main()
