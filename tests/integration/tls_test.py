"""TLS for real (issue 9, acceptance 4): `slsflow emulator --tls-cert/--tls-key`
serves HTTPS with a certificate from a private CA generated here by openssl
(CA + server certificate with SAN DNS:localhost).
  - a certificate from an unknown CA is refused by default, with advice;
  - --ca-file with that CA is accepted;
  - --insecure is accepted, with a loud warning;
  - a certificate for another host name is refused even with --ca-file;
  - produce + consume round trip over HTTPS, with signatures;
  - failed handshakes (a client that rejects the certificate, plain HTTP,
    garbage, a silent client) drop only that connection: the server keeps
    serving and still stops cleanly on SIGTERM;
  - the reset fault still resets connections over TLS;
  - --tls-cert without --tls-key is exit 2; a missing or mismatched file is
    exit 3 naming the file.
"""
import atexit
import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

BIN = os.environ.get("SLSFLOW_BIN") or os.path.join(os.environ.get("SLSFLOW_BUILD_DIR", "build"), "slsflow")
ADMIN_TOKEN = "tls-it-admin"


def check(cond, message):
    if not cond:
        print("FAIL: " + message, file=sys.stderr)
        sys.exit(1)


def openssl(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True, capture_output=True)


def make_pki(d):
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=slsflow test CA", cwd=d)
    with open(os.path.join(d, "san.cnf"), "w") as f:
        f.write("subjectAltName=DNS:localhost\n")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "srv.key", "-out", "srv.csr", "-subj", "/CN=localhost",
            cwd=d)
    openssl("x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out",
            "srv.pem", "-days", "2", "-extfile", "san.cnf", cwd=d)
    # A key that belongs to no certificate here (mismatch check).
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "other.key", "-out", "other.csr", "-subj", "/CN=x",
            cwd=d)


class TlsEmulator:
    def __init__(self, d, *extra):
        self.d = d
        args = [BIN, "emulator", "--listen", "127.0.0.1:0", "--project", "demo", "--logstore", "app:2",
                "--access-key-id", "testid", "--admin-token", ADMIN_TOKEN, "--read-timeout", "1",
                "--tls-cert", os.path.join(d, "srv.pem"), "--tls-key", os.path.join(d, "srv.key")] + list(extra)
        env = dict(os.environ, SLSFLOW_EMULATOR_ACCESS_KEY_SECRET="testsecret")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        atexit.register(self.kill)
        line = self.proc.stdout.readline().strip()
        check(line.startswith("listening https://127.0.0.1:"), "TLS emulator said %r" % line)
        self.port = int(line.rsplit(":", 1)[1])
        self.good = "https://localhost:%d" % self.port
        self.wrong_name = "https://127.0.0.1:%d" % self.port  # the certificate names only localhost

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.kill()
            check(False, "the TLS emulator did not stop within 10 s of SIGTERM (wedged)")

    def context(self):
        return ssl.create_default_context(cafile=os.path.join(self.d, "ca.pem"))

    def admin(self, method, path, body=None):
        req = urllib.request.Request(self.good + path, data=body, method=method,
                                     headers={"x-slsflow-admin-token": ADMIN_TOKEN})
        with urllib.request.urlopen(req, timeout=10, context=self.context()) as r:
            return r.status, r.read()


ENV = dict(os.environ, ALIBABA_CLOUD_ACCESS_KEY_ID="testid", ALIBABA_CLOUD_ACCESS_KEY_SECRET="testsecret")


def slsflow(*args, input=None):
    return subprocess.run([BIN] + list(args), capture_output=True, text=True, timeout=60, env=ENV, input=input)


def shards(endpoint, *extra):
    return slsflow("shards", "list", "--endpoint", endpoint, "-p", "demo", "-l", "app", *extra)


def verification(emu):
    r = shards(emu.good)
    check(r.returncode != 0, "an unknown CA was accepted by default")
    check("--ca-file" in r.stderr and "certificate" in r.stderr, "no advice on refusal: " + r.stderr)

    r = shards(emu.good, "--ca-file", os.path.join(emu.d, "ca.pem"))
    check(r.returncode == 0, "--ca-file with the right CA: " + r.stderr)
    check("readwrite" in r.stdout, "no shards listed over TLS: " + r.stdout)

    r = shards(emu.good, "--insecure")
    check(r.returncode == 0, "--insecure: " + r.stderr)
    check("NOT verified" in r.stderr, "--insecure gave no warning: " + r.stderr)

    r = shards(emu.wrong_name, "--ca-file", os.path.join(emu.d, "ca.pem"))
    check(r.returncode != 0, "a certificate for another host name was accepted")
    check("certificate" in r.stderr, "wrong host name: unclear error: " + r.stderr)


def round_trip(emu):
    ca = os.path.join(emu.d, "ca.pem")
    lines = ["tls line %d %s" % (i, "x" * (i % 300)) for i in range(3000)]
    r = slsflow("produce", "--endpoint", emu.good, "-p", "demo", "-l", "app", "--ca-file", ca, "-q",
                input="\n".join(lines) + "\n")
    check(r.returncode == 0, "produce over HTTPS: exit %d %s" % (r.returncode, r.stderr))
    state = os.path.join(emu.d, "consume.state")
    r = slsflow("consume", "--endpoint", emu.good, "-p", "demo", "-l", "app", "--ca-file", ca, "-q", "--from",
                "begin", "-e", "-f", "jsonl", "--state", state)
    check(r.returncode == 0, "consume over HTTPS: exit %d %s" % (r.returncode, r.stderr))
    got = sorted(json.loads(l)["content"] for l in r.stdout.splitlines())
    check(got == sorted(lines), "round trip over HTTPS lost or changed records: %d of %d back" % (len(got), len(lines)))


def healthy(emu, what):
    r = shards(emu.good, "--ca-file", os.path.join(emu.d, "ca.pem"))
    check(r.returncode == 0 and "readwrite" in r.stdout, "server not serving after %s: %s" % (what, r.stderr))
    check(emu.proc.poll() is None, "the emulator exited after " + what)


def handshake_failures(emu):
    # A client that does not trust the certificate aborts the handshake.
    for _ in range(5):
        try:
            with socket.create_connection(("127.0.0.1", emu.port), timeout=10) as raw:
                ssl.create_default_context().wrap_socket(raw, server_hostname="localhost")
            check(False, "an untrusted certificate passed Python's verification")
        except ssl.SSLCertVerificationError:
            pass
    healthy(emu, "clients that rejected the certificate")

    # Plain HTTP on the TLS port: an SLS-style 400 that says to use https.
    conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=10)
    conn.request("GET", "/logstores/app/shards", headers={"Host": "demo.localhost"})
    resp = conn.getresponse()
    body = resp.read().decode()
    conn.close()
    check(resp.status == 400 and "https://" in body, "plain HTTP on the TLS port: %d %s" % (resp.status, body))
    r = shards("http://localhost:%d" % emu.port)
    check(r.returncode != 0 and "https://" in r.stderr, "slsflow with http:// on a TLS port: " + r.stderr)
    healthy(emu, "plain HTTP")

    # Garbage that starts like a TLS record, a silent client, and a client
    # that stops mid-handshake: each costs its own connection only.
    garbage = socket.create_connection(("127.0.0.1", emu.port), timeout=10)
    garbage.sendall(b"\x16\x03\x01\xff\xff" + os.urandom(4096))
    silent = socket.create_connection(("127.0.0.1", emu.port), timeout=10)
    half = socket.create_connection(("127.0.0.1", emu.port), timeout=10)
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    hello = ssl.create_default_context().wrap_bio(incoming, outgoing, server_hostname="localhost")
    try:
        hello.do_handshake()
    except ssl.SSLWantReadError:
        pass
    half.sendall(outgoing.read()[:40])  # part of a ClientHello
    healthy(emu, "garbage, silent and half-handshake clients")
    start = time.time()
    for s in (garbage, silent, half):
        s.settimeout(10)
        try:
            data = s.recv(4096)
            check(len(data) < 4096, "a broken client got a reply: %r" % data[:80])
        except (ConnectionResetError, socket.timeout) as e:
            check(not isinstance(e, socket.timeout), "a broken client's connection was not dropped")
        s.close()
    check(time.time() - start < 8, "broken handshakes were held %.1f s (read timeout 1 s)" % (time.time() - start))
    healthy(emu, "broken handshakes were dropped")


def reset_fault(emu):
    status, _ = emu.admin("PUT", "/_slsflow/admin/faults", json.dumps({"reset": 1.0}).encode())
    check(status == 200, "admin PUT faults over HTTPS: %d" % status)
    try:
        conn = http.client.HTTPSConnection("localhost", emu.port, timeout=10, context=emu.context())
        conn.request("GET", "/logstores/app/shards", headers={"Host": "demo.localhost"})
        resp = conn.getresponse()
        check(False, "the reset fault answered over TLS: HTTP %d" % resp.status)
    except ConnectionResetError:
        pass  # a TCP reset, as without TLS (not a TLS close, not a FIN)
    emu.admin("PUT", "/_slsflow/admin/faults", json.dumps({"reset": 0.0}).encode())
    healthy(emu, "reset faults")


def flag_errors(d):
    def emulator(*args):
        return subprocess.run([BIN, "emulator", "--no-auth"] + list(args), capture_output=True, text=True,
                              timeout=30)
    srv_pem, srv_key = os.path.join(d, "srv.pem"), os.path.join(d, "srv.key")
    r = emulator("--tls-cert", srv_pem)
    check(r.returncode == 2 and "--tls-key" in r.stderr, "--tls-cert alone: %d %s" % (r.returncode, r.stderr))
    r = emulator("--tls-key", srv_key)
    check(r.returncode == 2 and "--tls-cert" in r.stderr, "--tls-key alone: %d %s" % (r.returncode, r.stderr))
    missing = os.path.join(d, "missing.pem")
    r = emulator("--tls-cert", missing, "--tls-key", srv_key)
    check(r.returncode == 3 and missing in r.stderr, "missing cert: %d %s" % (r.returncode, r.stderr))
    other = os.path.join(d, "other.key")
    r = emulator("--tls-cert", srv_pem, "--tls-key", other)
    check(r.returncode == 3 and other in r.stderr and "match" in r.stderr,
          "mismatched key: %d %s" % (r.returncode, r.stderr))
    r = emulator("--tls-cert", os.path.join(d, "san.cnf"), "--tls-key", srv_key)
    check(r.returncode == 3 and "san.cnf" in r.stderr, "not a certificate: %d %s" % (r.returncode, r.stderr))


def main():
    d = tempfile.mkdtemp(prefix="slsflow-tls-")
    atexit.register(shutil.rmtree, d, True)
    make_pki(d)
    flag_errors(d)
    emu = TlsEmulator(d)
    verification(emu)
    round_trip(emu)
    handshake_failures(emu)
    reset_fault(emu)
    check(emu.stop() == 0, "the TLS emulator did not exit 0 on SIGTERM")
    print("ok: HTTPS emulator; refused by default, --ca-file, --insecure warns, wrong host name refused, "
          "produce+consume round trip, failed handshakes drop only their connection, reset fault over TLS")


if __name__ == "__main__":
    main()
