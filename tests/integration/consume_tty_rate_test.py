"""consume --tty-rate N (issue 17, point 9): on a terminal at most N logs a
second and a line for the rest; a pipe or a file always gets everything."""
import os
import pty
import subprocess

from consume_helpers import BIN, Emulator, check, run


def on_terminal(cmd):
    master, slave = pty.openpty()
    p = subprocess.Popen(cmd, stdout=slave, stderr=subprocess.PIPE)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the other side closed
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    p.wait(60)
    return p.returncode, out.decode().replace("\r\n", "\n")


def main():
    with Emulator(logstores=("app:1",)) as emu:
        for i in range(10):
            emu.put("app", [{"content": "l%d-%d" % (i, j)} for j in range(100)])
        cmd = [BIN, "consume", "--endpoint", emu.url, "-p", "demo", "-l", "app", "--from", "begin", "-e", "-f", "raw"]

        rc, out = on_terminal(cmd + ["--tty-rate", "50"])
        lines = out.splitlines()
        check(rc == 0 and lines[:50] == ["l0-%d" % j for j in range(50)], "the first 50 shown: %r" % lines[:3])
        markers = [line for line in lines if "not shown" in line]
        shown = [line for line in lines if line.startswith("l")]
        held = sum(int(m.split()[1]) for m in markers)
        check(markers and all(m.startswith("\u2026 ") and m.endswith(" logs not shown (over 50/s)") for m in markers),
              "marker lines: %r" % markers)
        check(len(shown) + held == 1000, "every log shown or counted: %d + %d" % (len(shown), held))
        check(lines[-1] == markers[-1], "the count of the last ones held back ends the output: %r" % lines[-1])

        rc, out = on_terminal(cmd)
        check(rc == 0 and len(out.splitlines()) == 1000 and "not shown" not in out, "off by default")
        r = run(cmd + ["--tty-rate", "50"])
        check(r.returncode == 0 and len(r.stdout.splitlines()) == 1000 and "not shown" not in r.stdout,
              "a pipe gets everything: %d lines" % len(r.stdout.splitlines()))
        r = run(cmd + ["--tty-rate", "-1"])
        check(r.returncode == 2, "--tty-rate -1 is a usage error: %r" % r.stderr)
    print("ok: --tty-rate on a terminal only, with a count of what was not shown")


if __name__ == "__main__":
    main()
