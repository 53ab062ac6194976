"""Network trouble is visible at once (issue 17, point 6): a server that
cannot be reached is said on every retry, the final error names the
endpoint and what to check, and produce --follow says it waits for a file."""
import os
import socket
import subprocess
import time

from consume_helpers import BIN, check, tempdir


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    home = tempdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALIBABA_CLOUD_", "SLSFLOW_"))}
    url = "http://127.0.0.1:%d" % closed_port()
    env.update(HOME=home, XDG_STATE_HOME=home, SLSFLOW_ENDPOINT=url, SLSFLOW_PROJECT="demo")
    refused = "slsflow: cannot reach %s: connection refused; retrying" % url

    # produce: the first word comes at once, not after 6 s of silence.
    p = subprocess.Popen([BIN, "produce", "-l", "app"], stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=env)
    start = time.monotonic()
    first = p.stderr.readline()
    took = time.monotonic() - start
    check(first == refused + " (1/5)\n", "first line: %r" % first)
    check(took < 2, "the first line took %.1f s" % took)
    rest = p.communicate(input="x\n", timeout=60)[1]
    lines = (first + rest).splitlines()
    check(lines[:5] == [refused + " (%d/5)" % i for i in range(1, 6)], "one line per retry: %r" % lines)
    check(p.returncode == 1 and lines[-1].startswith(
        "slsflow: checking logstore 'app': cannot reach %s: connection refused; check the endpoint" % url) and
          "the server is up" in lines[-1], "final error: %d %r" % (p.returncode, lines[-1]))

    # consume says the same, and -q silences it.
    r = subprocess.run([BIN, "consume", "-l", "app", "-e"], capture_output=True, text=True, env=env, timeout=120)
    check(r.returncode == 1 and r.stderr.startswith(refused + " (1/5)\n"), "consume: %d %r" % (r.returncode, r.stderr))
    r = subprocess.run([BIN, "consume", "-l", "app", "-e", "-q"], capture_output=True, text=True, env=env, timeout=120)
    check("retrying" not in r.stderr and "cannot reach" in r.stderr, "consume -q: %r" % r.stderr)

    # A listing has no retries: one error that names the endpoint and what to check.
    r = subprocess.run([BIN, "shards", "list", "-l", "app"], capture_output=True, text=True, env=env, timeout=60)
    check(r.returncode == 1 and r.stderr == "slsflow: cannot reach %s: connection refused; check the endpoint "
          "(--endpoint, SLSFLOW_ENDPOINT or the profile; the project is part of its host name) and that the server "
          "is up\n" % url, "shards list: %r" % r.stderr)

    # produce --follow of a file that does not exist yet says so.
    missing = os.path.join(home, "later.log")
    p = subprocess.Popen([BIN, "produce", "-l", "app", "--no-check", "--file", missing, "--follow",
                          "--state", os.path.join(home, "f.state")], stderr=subprocess.PIPE, text=True, env=env)
    line = p.stderr.readline()
    p.terminate()
    p.communicate(timeout=60)
    check(line == "slsflow: waiting for %s to appear\n" % missing, "follow of a missing file: %r" % line)
    print("ok: unreachable said on every retry, final advice, waiting for a file")


if __name__ == "__main__":
    main()
