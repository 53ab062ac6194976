"""Acceptance 4 of issue 6: `yes | head -c 2G | slsflow produce` against an
emulator throttled to 10 MB/s (4 shards x 2.5 MB/s write quota) keeps RSS
under --buffer + 32 MB: reading pauses while the buffer is full and nothing
is dropped. The run is sampled for ~15 s (the whole 2 GB would take minutes
at 10 MB/s), then interrupted twice; the accounting must still add up."""
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from produce_helpers import Emulator, check, produce_cmd, rss_kb, tempdir  # noqa: E402

BUFFER_MB = 32


def main():
    err_path = os.path.join(tempdir(), "produce.err")
    with Emulator(logstores=("app:4",), extra=["--quota-write-mbps", "2.5"]) as emu, open(err_path, "w") as err_file:
        src = subprocess.Popen("exec yes | head -c 2G", shell=True, stdout=subprocess.PIPE, start_new_session=True)
        # --compress none: "y" lines compress ~50x, which would hide the throttle.
        p = subprocess.Popen(produce_cmd(emu, "app", "--buffer", "%dMB" % BUFFER_MB, "--compress", "none",
                                         "--stats", "--flush-timeout", "5s"),
                             stdin=src.stdout, stdout=subprocess.DEVNULL, stderr=err_file)
        src.stdout.close()
        peak = 0
        t_end = time.time() + 15
        while time.time() < t_end and p.poll() is None:
            peak = max(peak, rss_kb(p.pid))
            time.sleep(0.1)
        check(p.poll() is None, "produce ended early: %s" % open(err_path).read())
        p.send_signal(signal.SIGINT)
        time.sleep(1.0)
        peak = max(peak, rss_kb(p.pid))
        p.send_signal(signal.SIGINT)
        try:
            rc = p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()
            os.killpg(src.pid, signal.SIGKILL)
            check(False, "produce did not stop after two interrupts")
        os.killpg(src.pid, signal.SIGKILL)
        src.wait()
        err = open(err_path).read()
        m = re.search(r"logs (\d+) \(delivered (\d+), undelivered (\d+)\).*input ([\d.]+) MB", err)
        check(m, "no stats: %s" % err)
        logs, delivered, undelivered = int(m.group(1)), int(m.group(2)), int(m.group(3))
        check(logs == delivered + undelivered, "accounting: %s" % err)
        check(rc == (1 if undelivered else 0), "exit %d with %d undelivered: %s" % (rc, undelivered, err))
        limit = (BUFFER_MB + 32) * 1024
        check(peak <= limit, "peak RSS %d KB over the %d KB bound" % (peak, limit))
        check(float(m.group(4)) < 2048, "the whole input was read: backpressure did not hold")
        print("ok: peak RSS %.1f MB (bound %d MB) under a 10 MB/s throttle; read %s MB, %d logs delivered, "
              "%d reported undelivered after two interrupts" % (peak / 1024.0, limit // 1024, m.group(4), delivered,
                                                              undelivered))


if __name__ == "__main__":
    main()
