"""TLS as the client sees it (issue 9, acceptance 4), against a real TLS
endpoint: a small Python TLS terminator in front of `slsflow emulator`,
with a private CA generated here by openssl.
  - a certificate from an unknown CA is refused by default, with advice;
  - --ca-file with that CA is accepted;
  - --insecure is accepted, with a loud warning;
  - a certificate for another host name is refused even with --ca-file.
"""
import os, socket, ssl, subprocess, sys, tempfile, threading

sys.path.insert(0, os.path.dirname(__file__))
from consume_helpers import BIN, Emulator, check  # noqa: E402


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


def tls_proxy(d, backend_port):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(d, "srv.pem"), os.path.join(d, "srv.key"))
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(16)

    def pump(a, b):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def serve():
        while True:
            try:
                raw, _ = lsock.accept()
            except OSError:
                return
            try:
                conn = ctx.wrap_socket(raw, server_side=True)
            except (ssl.SSLError, OSError):
                raw.close()  # the client refused our certificate
                continue
            back = socket.create_connection(("127.0.0.1", backend_port))
            threading.Thread(target=pump, args=(conn, back), daemon=True).start()
            threading.Thread(target=pump, args=(back, conn), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return lsock.getsockname()[1]


def shards(endpoint, *extra):
    return subprocess.run([BIN, "shards", "list", "--endpoint", endpoint, "-p", "demo", "-l", "app"] + list(extra),
                          capture_output=True, text=True, timeout=60)


def main():
    d = tempfile.mkdtemp(prefix="slsflow-tls-")
    make_pki(d)
    with Emulator(logstores=("app:2",)) as emu:
        port = tls_proxy(d, emu.port)
        good = "https://localhost:%d" % port
        wrong_name = "https://127.0.0.1:%d" % port  # the certificate names only localhost

        r = shards(good)
        check(r.returncode != 0, "an unknown CA was accepted by default")
        check("--ca-file" in r.stderr and "certificate" in r.stderr, "no advice on refusal: " + r.stderr)

        r = shards(good, "--ca-file", os.path.join(d, "ca.pem"))
        check(r.returncode == 0, "--ca-file with the right CA: " + r.stderr)
        check("readwrite" in r.stdout, "no shards listed over TLS: " + r.stdout)

        r = shards(good, "--insecure")
        check(r.returncode == 0, "--insecure: " + r.stderr)
        check("NOT verified" in r.stderr, "--insecure gave no warning: " + r.stderr)

        r = shards(wrong_name, "--ca-file", os.path.join(d, "ca.pem"))
        check(r.returncode != 0, "a certificate for another host name was accepted")
        check("certificate" in r.stderr, "wrong host name: unclear error: " + r.stderr)
    print("ok: TLS refused by default, trusted with --ca-file, --insecure warns, wrong host name refused")


if __name__ == "__main__":
    main()
