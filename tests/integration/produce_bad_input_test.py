"""Acceptance 5 of issue 6: bad input. Invalid JSON in each --on-invalid
mode, an oversized value (refused and counted, whatever --on-invalid says),
a line longer than any LogGroup, a line that is not UTF-8 (its message gives
one piece of advice), an unknown logstore (exit 1 before stdin is read to
its end), a wrong key (exit 3), closed and empty stdin."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from produce_helpers import Emulator, check, consume_all, field, produce_cmd, run  # noqa: E402


def values(emu, ls, key="content"):
    _, recs = consume_all(emu, ls)
    return sorted(field(x, key) for x in recs if field(x, key) is not None)


def main():
    stores = ("fail:1", "skip:1", "raw:1", "big:1", "bigskip:1", "bin:1", "binraw:1", "empty:1")
    with Emulator(logstores=stores, auth=True) as emu:
        bad_json = b'{"a":"1"}\n{"a": oops}\n{"a":"3"}\n'
        r = run(produce_cmd(emu, "fail", "--input", "jsonl"), input=bad_json)
        err = r.stderr.decode()
        check(r.returncode == 1 and "line 2" in err and "invalid JSON" in err, "fail: %d %s" % (r.returncode, err))
        check(values(emu, "fail", "a") == [b"1"], "fail mode delivers the lines before the bad one")

        r = run(produce_cmd(emu, "skip", "--input", "jsonl", "--on-invalid", "skip-with-warning"), input=bad_json)
        err = r.stderr.decode()
        check(r.returncode == 0 and "line 2 skipped" in err, "skip: %d %s" % (r.returncode, err))
        check(values(emu, "skip", "a") == [b"1", b"3"], "skip mode keeps the good lines")

        r = run(produce_cmd(emu, "raw", "--input", "jsonl", "--on-invalid", "raw"), input=bad_json)
        check(r.returncode == 0, "raw: %d %s" % (r.returncode, r.stderr))
        check(values(emu, "raw") == [b'{"a": oops}'], "raw wraps the bad line under content")

        # A value over 1 MiB: a log SLS would refuse, so it is refused with
        # the limit named, never cut; it counts as undelivered (exit 1) and
        # its neighbours go on, whatever --on-invalid says.
        big = b"ok1\n" + b"x" * (1 << 20 | 1) + b"\nok2\n"
        r = run(produce_cmd(emu, "big"), input=big)
        err = r.stderr.decode()
        check(r.returncode == 1 and "line 2 refused" in err and "1 MiB" in err and "1 of 3 logs were NOT delivered"
              in err, "oversized value: %d %s" % (r.returncode, err))
        check(values(emu, "big") == [b"ok1", b"ok2"], "the neighbours of an oversized value arrive")
        # A line longer than any log is an invalid line: skipped with a warning.
        r = run(produce_cmd(emu, "bigskip", "--on-invalid", "skip-with-warning"),
                input=big + b"y" * (7 << 20) + b"\nok3\n")
        err = r.stderr.decode()
        check(r.returncode == 1 and "line 2 refused" in err and "line 4 skipped" in err and "5 MB" in err,
              "oversized lines skipped loudly: %d %s" % (r.returncode, err))
        check(values(emu, "bigskip") == [b"ok1", b"ok2", b"ok3"], "the neighbours of oversized lines arrive")
        check(b"x" * 100 not in b"".join(values(emu, "big")), "no cut value stored")

        # Not UTF-8: refused (SLS would reject the whole batch), or replaced with --on-invalid raw.
        binary = b"good\n\xff\xfe\x00binary\n"
        r = run(produce_cmd(emu, "bin"), input=binary)
        err = r.stderr.decode()
        check(r.returncode == 1 and "line 2" in err and "UTF-8" in err, "binary: %d %s" % (r.returncode, err))
        check(err.count("--on-invalid") == 1, "one piece of advice, not two: %s" % err)
        r = run(produce_cmd(emu, "binraw", "--on-invalid", "raw"), input=binary)
        check(r.returncode == 0, "binary raw: %d %s" % (r.returncode, r.stderr))
        check(values(emu, "binraw") == sorted([b"good", "\ufffd\ufffd\x00binary".encode()]), "binary raw values")

        # Unknown logstore: exit 1 at once, with an endless stdin.
        t0 = time.time()
        yes = subprocess.Popen(["yes"], stdout=subprocess.PIPE)
        r = subprocess.run(produce_cmd(emu, "nosuch"), stdin=yes.stdout, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=30)
        yes.kill()
        yes.wait()
        err = r.stderr.decode()
        check(r.returncode == 1 and "LogStoreNotExist" in err, "unknown logstore: %d %s" % (r.returncode, err))
        check(time.time() - t0 < 10, "unknown logstore took %.1fs" % (time.time() - t0))

        # Wrong key: exit 3 with advice, before reading stdin.
        r = run(produce_cmd(emu, "fail", secret="wrong"), input=b"x\n")
        err = r.stderr.decode()
        check(r.returncode == 3 and "secret" in err and "wrong" not in err, "wrong key: %d %s" % (r.returncode, err))

        # Closed stdin is a usage error; empty stdin is zero logs and exit 0.
        r = subprocess.run(["bash", "-c", 'exec 0<&-; exec "$@"', "bash"] + produce_cmd(emu, "empty"),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        err = r.stderr.decode()
        check(r.returncode == 2 and "stdin is closed" in err, "closed stdin: %d %s" % (r.returncode, err))
        r = subprocess.run(produce_cmd(emu, "empty", "--stats"), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=30)
        err = r.stderr.decode()
        check(r.returncode == 0 and "logs 0 " in err, "empty stdin: %d %s" % (r.returncode, err))
    print("ok: invalid JSON x3 modes, oversized value refused and line skipped, binary line, unknown logstore, wrong key, "
          "closed and empty stdin")


if __name__ == "__main__":
    main()
