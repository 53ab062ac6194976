"""Shared by the produce integration tests: an emulator on a random port,
produce/consume command lines, and decoding consume's jsonl back into
comparable records. python3 stdlib only."""
import atexit
import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.request

BIN = os.environ.get("SLSFLOW_BIN") or os.path.join(
    os.environ.get("SLSFLOW_BUILD_DIR", "build"), "slsflow")


def check(cond, msg):
    if not cond:
        print("FAIL: " + msg, file=sys.stderr)
        sys.exit(1)


def tempdir():
    d = tempfile.mkdtemp(prefix="slsflow-produce-it-")
    atexit.register(shutil.rmtree, d, True)
    return d


class Emulator:
    """`slsflow emulator` with the given logstores (name:shards) and extra flags."""

    ADMIN_TOKEN = "produce-it-admin"

    def __init__(self, logstores=("app:4",), extra=(), auth=False):
        self.args = [BIN, "emulator", "--listen", "127.0.0.1:0", "--project", "demo",
                     "--admin-token", self.ADMIN_TOKEN]
        for ls in logstores:
            self.args += ["--logstore", ls]
        if auth:
            self.args += ["--access-key-id", "testid", "--access-key-secret", "testsecret"]
        else:
            self.args += ["--no-auth"]
        self.args += list(extra)
        self.auth = auth

    def __enter__(self):
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        atexit.register(self._kill)
        line = self.proc.stdout.readline().decode().strip()
        check(line.startswith("listening http://"), "emulator said %r" % line)
        self.endpoint = line.split(" ", 1)[1]
        return self

    def _kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def __exit__(self, *exc):
        self._kill()

    def set_faults(self, **faults):
        """Changes fault settings at run time (p500, p502, p503, reset, slow, slow_ms, write_req_per_s, ...)."""
        req = urllib.request.Request(self.endpoint + "/_slsflow/admin/faults", data=json.dumps(faults).encode(),
                                     method="PUT", headers={"x-slsflow-admin-token": self.ADMIN_TOKEN})
        with urllib.request.urlopen(req, timeout=10) as resp:
            check(resp.status == 200, "admin PUT faults: HTTP %d" % resp.status)

    def common(self, logstore, secret="testsecret"):
        args = ["--endpoint", self.endpoint, "-p", "demo", "-l", logstore]
        if self.auth:
            args += ["--access-key-id", "testid", "--access-key-secret", secret]
        return args


def produce_cmd(emu, logstore, *args, secret="testsecret"):
    return [BIN, "produce"] + emu.common(logstore, secret) + list(args)


def run(cmd, input=None, timeout=120, **kw):
    return subprocess.run(cmd, input=input, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout, **kw)


def decode_value(v):
    if isinstance(v, dict) and "base64" in v:
        return base64.b64decode(v["base64"])
    if isinstance(v, str):
        return v.encode("utf-8")
    return json.dumps(v).encode()


_STATE_DIR = []


def consume_args(emu, logstore):
    """consume from the beginning with a fresh state file (consume resumes from state by default)."""
    if not _STATE_DIR:
        _STATE_DIR.append(tempdir())
    state = os.path.join(_STATE_DIR[0], "c%d.state" % len(os.listdir(_STATE_DIR[0])))
    open(state + ".reserved", "w").close()
    return [BIN, "consume"] + emu.common(logstore) + ["--from", "begin", "-e", "-f", "jsonl", "--binary", "base64",
                                                      "--state", state]


def consume_all(emu, logstore):
    """Every log of `logstore` as consume -f jsonl --binary base64 writes it: (raw lines, records)."""
    r = run(consume_args(emu, logstore), timeout=300)
    check(r.returncode == 0, "consume exit %d: %s" % (r.returncode, r.stderr.decode(errors="replace")))
    lines = r.stdout.split(b"\n")[:-1]
    return lines, [record(json.loads(l)) for l in lines]


def record(obj):
    """A hashable, exact view of one log: every key and value as bytes, in order."""
    return tuple((k, decode_value(v)) for k, v in obj.items() if k not in ("__shard__", "__cursor__"))


def contents(rec):
    return tuple((k, v) for k, v in rec if not k.startswith("__"))


def field(rec, key):
    for k, v in rec:
        if k == key:
            return v
    return None


def rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def interrupt(proc, times=1):
    for _ in range(times):
        proc.send_signal(signal.SIGINT)
