"""The Python SDK recipe of slsflow-emulator(1), SDKs: requests formed
exactly as aliyun-log-python-sdk 0.9.47 forms them (logclient.py `_send`,
auth.py AuthV1, util.py) reach the emulator unchanged and work.

The SDK is not installable here (no PyPI), so this is its wire behaviour
in stdlib Python: Host is the project in front of the endpoint's host
(without the port), the query goes through urlencode as `requests` does
(a space is '+', a '+' is %2B), the headers are the SDK's in its order,
and the v1 signature is over the decoded query. The signer is first
checked against a captured request of the real SDK (tests/data/golden),
so it cannot drift from what the SDK sends.

With /etc/hosts mapping demo.sls.test to 127.0.0.1 and endpoint
"sls.test:PORT", the SDK connects to 127.0.0.1:PORT with Host
demo.sls.test; with the emulator on port 80 and endpoint "127.0.0.1", it
connects to 127.0.0.1:80 with Host demo.127.0.0.1. Both Hosts are sent
here to the emulator's real port."""
import base64
import hashlib
import hmac
import http.client
import json
import os
import sys
import time
import urllib.parse
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emulator_testlib import Emulator, check, cursor, decode_group_list, encode_group  # noqa: E402

AK, SECRET = "testid", "testsecret"
USER_AGENT = "log-python-sdk-v-0.9.47, sys.version_info(major=3, minor=11, micro=2), linux"
GOLDEN = os.environ.get("SLSFLOW_GOLDEN_DIR") or os.path.join(
    os.environ.get("SLSFLOW_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", "..")), "tests", "data", "golden")


def gmt_now():
    return datetime.now(timezone.utc).strftime("%a, %d %b %Y %H:%M:%S GMT")


def sign_v1(method, resource, params, headers, body, date):
    """AuthV1.sign_request: adds x-log-signaturemethod, Date, Content-MD5,
    Authorization, then x-log-date (after signing, so unsigned)."""
    headers["x-log-signaturemethod"] = "hmac-sha1"
    headers["Date"] = date
    md5 = None
    if body:
        md5 = hashlib.md5(body).hexdigest().upper()
        headers["Content-MD5"] = md5
    content = method + "\n" + (md5 or "") + "\n" + headers.get("Content-Type", "") + "\n" + headers["Date"] + "\n"
    for key in sorted(headers):
        lower = key.lower()
        if lower.startswith("x-acs-") or (lower.startswith("x-log-") and not lower.startswith("x-log-meta-")):
            content += key + ":" + str(headers[key]) + "\n"
    if params:
        content += resource + "?" + "&".join("%s=%s" % (k, v) for k, v in sorted(params.items()))
    else:
        content += resource
    digest = hmac.new(SECRET.encode(), content.encode("utf-8"), hashlib.sha1).digest()
    headers["Authorization"] = "LOG " + AK + ":" + base64.b64encode(digest).decode()
    headers["x-log-date"] = headers["Date"]


def sdk_headers(method, resource, params, body, headers, host, date=None):
    """LogClient._send, then requests' own headers in front (as captured)."""
    h = dict(headers)
    if body:
        h["Content-Length"] = str(len(body))
    else:
        h["Content-Length"] = "0"
        h["x-log-bodyrawsize"] = "0"
    h["x-log-apiversion"] = "0.6.0"
    h["Host"] = host
    sign_v1(method, resource, params, h, body, date or gmt_now())
    accept = "application/x-protobuf" if "Accept" in headers else "*/*"
    front = {"User-Agent": USER_AGENT, "Accept-Encoding": h.pop("Accept-Encoding", "gzip, deflate"),
             "Accept": h.pop("Accept", accept), "Connection": "keep-alive"}
    return list(front.items()) + list(h.items())


class PySdk:
    def __init__(self, port, host):
        self.port, self.host = port, host

    def call(self, method, resource, params=None, body=b"", headers=None):
        params = params or {}
        if isinstance(body, str):
            body = body.encode()
        wire = sdk_headers(method, resource, params, body, headers or {}, self.host)
        # requests: urlencode(params) -> quote_plus, so ' ' -> '+', '+' -> %2B
        target = resource + ("?" + urllib.parse.urlencode(params) if params else "")
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        for k, v in wire:
            conn.putheader(k, v)
        conn.endheaders(body if body else None)
        r = conn.getresponse()
        data = r.read()
        conn.close()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data

    def json(self, method, resource, params=None, body=b"", headers=None, expect=200):
        status, _, data = self.call(method, resource, params, body, headers)
        check(status == expect, "%s %s %s -> %d %s (expected %d)" % (method, resource, params, status, data[:300], expect))
        return json.loads(data) if data else None


def check_signer_matches_the_real_sdk():
    with open(os.path.join(GOLDEN, "python-sdk", "update_checkpoint.json")) as f:
        cap = json.load(f)
    captured = dict(cap["headers"])
    params = dict(cap["query"])
    body = base64.b64decode(cap["body_b64"])
    wire = sdk_headers("POST", cap["path"], params, body, {"Content-Type": "application/json"}, captured["Host"],
                       date=captured["Date"])
    mine = dict(wire)
    check(mine["Authorization"] == captured["Authorization"],
          "the test's signer differs from the SDK's: %s vs %s" % (mine["Authorization"], captured["Authorization"]))
    check([k for k, _ in wire if k != "User-Agent"] == [k for k, _ in cap["headers"] if k != "User-Agent"],
          "header order differs from the SDK's: %s" % [k for k, _ in wire])
    check(urllib.parse.urlencode(params) == cap["raw_query"], "query spelling differs: %s" % cap["raw_query"])


def main():
    check_signer_matches_the_real_sdk()
    emu = Emulator("--access-key-id", AK, "--access-key-secret", SECRET, logstores=("app:2",))
    try:
        for host in ("demo.sls.test", "demo.127.0.0.1"):
            sdk = PySdk(emu.port, host)
            # get_project: the SDK indexes these keys unconditionally.
            project = sdk.json("GET", "/")
            for key in ("status", "description", "projectName", "region", "owner", "createTime", "lastModifyTime"):
                check(key in project, "GetProject via %s lacks %r: %s" % (host, key, project))
            check(project["projectName"] == "demo", "project from Host %s: %s" % (host, project))

        sdk = PySdk(emu.port, "demo.sls.test")
        logstore = sdk.json("GET", "/logstores/app")
        for key in ("logstoreName", "ttl", "shardCount", "enable_tracking", "appendMeta", "autoSplit", "maxSplitShard"):
            check(key in logstore, "get_logstore lacks %r: %s" % (key, logstore))

        # put_logs(compress=False), then pull_logs as the SDK asks for raw.
        group = encode_group([(int(time.time()), [("level", "ERROR"), ("message", "a b+c")])], topic="t")
        sdk.json("POST", "/logstores/app/shards/lb", body=group,
                 headers={"x-log-bodyrawsize": str(len(group)), "Content-Type": "application/x-protobuf"})
        found = []
        for shard in (0, 1):
            begin = sdk.json("GET", "/logstores/app/shards/%d" % shard, {"type": "cursor", "from": "begin"},
                             headers={"Content-Type": "application/json"})["cursor"]
            status, hdrs, data = sdk.call("GET", "/logstores/app/shards/%d" % shard,
                                          {"type": "log", "cursor": begin, "count": "100"},
                                          headers={"Accept-Encoding": "", "Accept": "application/x-protobuf"})
            check(status == 200, "pull_logs: %d %s" % (status, data[:200]))
            found += decode_group_list(data)
        check(found == [group], "pulled %r" % found)

        # A consumer name with a space goes out as '+', one with a plus as
        # %2B; both are signed decoded and must verify.
        sdk.json("POST", "/logstores/app/consumergroups",
                 body=json.dumps({"consumerGroup": "cg", "timeout": 60, "order": False}),
                 headers={"x-log-bodyrawsize": "0", "Content-Type": "application/json"})
        for shard, consumer in enumerate(("worker 1", "worker+2")):
            hb = {"type": "heartbeat", "consumer": consumer}
            got = sdk.json("POST", "/logstores/app/consumergroups/cg", hb, body="[]",
                           headers={"Content-Type": "application/json"})
            check(got == ([0, 1] if shard == 0 else []), "%r was assigned %s" % (consumer, got))
            sdk.json("POST", "/logstores/app/consumergroups/cg", hb, body=json.dumps(got),
                     headers={"Content-Type": "application/json"})
            sdk.json("POST", "/logstores/app/consumergroups/cg",
                     {"type": "checkpoint", "consumer": consumer, "forceSuccess": "True"},
                     body=json.dumps({"shard": shard, "checkpoint": cursor(0)}),
                     headers={"Content-Type": "application/json"})
        cps = sdk.json("GET", "/logstores/app/consumergroups/cg")
        check(sorted(c["consumer"] for c in cps) == ["worker 1", "worker+2"], "checkpoint owners: %s" % cps)

        # A heartbeat listing shards from a consumer the group does not know.
        status, _, data = sdk.call("POST", "/logstores/app/consumergroups/cg", {"type": "heartbeat", "consumer": "new one"},
                                   body=b"[0]", headers={"Content-Type": "application/json"})
        check(status == 400 and json.loads(data)["errorCode"] == "NotExistConsumerWithBody",
              "unknown consumer with shards: %d %s" % (status, data))

        # get_log (the v2 API the SDK uses by default) and v1's histograms:
        # an immediate 400 the SDK raises as LogException, not a retried 5xx.
        for method, resource, params, body in (
                ("POST", "/logstores/app/logs", None, json.dumps({"from": 1, "to": 2, "query": "* | where a = 'b c'"})),
                ("GET", "/logstores/app", {"type": "histogram", "from": "1", "to": "2", "query": "a b"}, b"")):
            status, _, data = sdk.call(method, resource, params, body,
                                       {"Content-Type": "application/json"} if body else None)
            err = json.loads(data)
            check(status == 400 and err["errorCode"] == "NotSupported" and
                  err["errorMessage"].endswith("is not implemented by slsflow emulator"),
                  "%s %s: %d %s" % (method, resource, status, data))
    finally:
        check(emu.stop() == 0, "emulator did not stop cleanly")
    print("emulator_sdk_recipe_test: ok")


if __name__ == "__main__":
    main()
