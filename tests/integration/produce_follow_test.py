"""Acceptance 3 of issue 6: `produce --follow` across logrotate-style
rename+create and copytruncate delivers every line; `kill -9` and a restart
(with a rotation while it was down) lose nothing, and duplicates stay within
the unacknowledged window. The test measures and prints the duplicates.

copytruncate is racy for every tail-style reader: lines written between the
copy and the truncate exist only in the copy. As logrotate users do, the
writer here is quiet across the copy+truncate."""
import collections
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from produce_helpers import Emulator, check, consume_all, field, produce_cmd, tempdir  # noqa: E402


class Writer:
    def __init__(self, path):
        self.path = path
        self.n = 0
        self.lines = []

    def write(self, count, pause=0.0):
        with open(self.path, "a") as f:
            for _ in range(count):
                line = "f-%07d some payload to make the line longer %s" % (self.n, "x" * (self.n % 50))
                f.write(line + "\n")
                self.lines.append(line)
                self.n += 1
                if pause and self.n % 500 == 0:
                    f.flush()
                    time.sleep(pause)


def start(emu, path, state):
    extra = ["-v"] if os.environ.get("DEBUG_FOLLOW") else []
    return subprocess.Popen(produce_cmd(emu, "app", "--file", path, "--follow", "--state", state, "--linger", "50ms",
                                        "--stats", *extra),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def main():
    d = tempdir()
    path = os.path.join(d, "app.log")
    state = os.path.join(d, "follow.state")
    w = Writer(path)
    w.write(2000)
    with Emulator(logstores=("app:2",)) as emu:
        p = start(emu, path, state)
        w.write(3000, pause=0.02)
        # logrotate "create": rename, new file; the old one gets a late line.
        os.rename(path, path + ".1")
        with open(path + ".1", "a") as f:
            f.write("late line in the rotated file\n")
        w.lines.append("late line in the rotated file")
        open(path, "w").close()
        w.write(3000, pause=0.02)
        time.sleep(1.0)
        # logrotate "copytruncate".
        shutil.copy(path, path + ".2")
        os.truncate(path, 0)
        w.write(3000, pause=0.02)
        # kill -9 in the middle of a stream of writes.
        t = threading.Thread(target=w.write, args=(6000, 0.01))
        t.start()
        time.sleep(0.05)
        p.kill()
        p.wait()
        t.join()
        if os.environ.get("DEBUG_FOLLOW"):
            print(p.stderr.read().decode(), file=sys.stderr)
        check(os.path.exists(state), "no state file after a run")
        if os.environ.get("DEBUG_FOLLOW"):
            print(open(state).read(), os.stat(path).st_ino, os.stat(path).st_size, file=sys.stderr)
            shutil.copy(path, os.path.join("/tmp/p", "atkill.log"))
        check((os.stat(state).st_mode & 0o777) == 0o600, "state file mode %o" % (os.stat(state).st_mode & 0o777))
        # While it is down: more lines, then a rotation.
        w.write(1500)
        os.rename(path, path + ".3")
        open(path, "w").close()
        w.write(1500)
        p = start(emu, path, state)
        w.write(2000, pause=0.02)
        time.sleep(1.5)
        p.send_signal(signal.SIGINT)
        try:
            rc = p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()
            check(False, "produce --follow did not end after SIGINT")
        err = p.stderr.read().decode()
        if os.environ.get("DEBUG_FOLLOW"):
            print(err, file=sys.stderr)
        check(rc == 0, "follow run exit %d: %s" % (rc, err))
        _, recs = consume_all(emu, "app")
        got = collections.Counter(field(x, "content").decode() for x in recs)
        missing = [l for l in w.lines if l not in got]
        if missing and os.environ.get("DEBUG_FOLLOW"):
            _, recs2 = consume_all(emu, "app")
            got2 = collections.Counter(field(x, "content").decode() for x in recs2)
            extra = [k for k in got if k not in set(w.lines)]
            print("extra lines: %d %r" % (len(extra), [e[:80] + "..." + e[-60:] for e in extra[:3]]), file=sys.stderr)
            print("second consume: %d records, missing now %d" % (len(recs2), len([l for l in w.lines if l not in got2])),
                  file=sys.stderr)
        check(not missing, "%d lines lost, e.g. %r" % (len(missing), missing[:3]))
        extra = set(got) - set(w.lines)
        check(not extra, "lines nobody wrote: %r" % list(extra)[:3])
        dups = sum(n - 1 for n in got.values())
        # Duplicates come from the unacknowledged window at the kill, or, when
        # the kill came before the state recorded the copytruncate, from
        # reading the rewritten file again from its start (never skipping it).
        print("ok: %d lines through 2 rotations, a copytruncate and a kill -9 + restart: 0 lost, %d duplicated "
              "(bound: the unacknowledged window, or the rewritten file after an unrecorded copytruncate)" % (
                  len(w.lines), dups))


if __name__ == "__main__":
    main()
