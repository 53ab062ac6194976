"""Acceptance 5 of issue 5, each a case: corrupt state -> exit 3; locked
state -> a clear message; wrong secret -> exit 3 "check ... secret";
unknown logstore -> exit 1 naming it; ENOSPC and a read-only output dir ->
exit 1 with the state not advanced past what was written; bad --from -> 2."""
import fcntl
import json
import os
import stat
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from consume_helpers import BIN, Emulator, check, consume_cmd, jsonl_values, run, tempdir  # noqa: E402


def can_mount(d):
    if os.geteuid() != 0:
        return False
    m = os.path.join(d, "probe")
    os.mkdir(m)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", m], capture_output=True)
    if r.returncode != 0:
        return False
    subprocess.run(["umount", m])
    return True


def real_disk_faults(emu, d, corpus):
    """A genuinely full file system (a 16 KB tmpfs) and a read-only one."""
    full = os.path.join(d, "small")
    os.mkdir(full)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", full], check=True)
    try:
        st = os.path.join(d, "small.state")
        out = os.path.join(full, "out.jsonl")
        r = run(consume_cmd(emu, "--state", st, "--from", "begin", "-e", "-o", out, "--max-per-fetch", "1"))
        check(r.returncode == 1 and "No space" in r.stderr, "tmpfs ENOSPC: %d %r" % (r.returncode, r.stderr))
        # The state claims no byte that is not in the file.
        body = open(st).read().split("\n")[3]
        files = json.loads(body)["files"]
        size = os.path.getsize(out)
        check(size > 4096, "the disk filled before anything was written (%d bytes)" % size)
        check(any(f["committed"] > 0 for f in files), "nothing was committed before the disk filled")
        for f in files:
            check(f["committed"] <= size, "state claims %d bytes of %d" % (f["committed"], size))
        # More room, same state: the output is the corpus exactly.
        subprocess.run(["mount", "-o", "remount,size=4m", full], check=True)
        r = run(consume_cmd(emu, "--state", st, "-e", "-o", out))
        check(r.returncode == 0, "after tmpfs ENOSPC: %r" % r.stderr)
        got = jsonl_values(open(out).read())
        check(sorted(got) == corpus, "after ENOSPC: %d logs, %d unique, corpus %d" % (len(got), len(set(got)),
                                                                                      len(corpus)))
    finally:
        subprocess.run(["umount", full])
    ro = os.path.join(d, "ro")
    os.mkdir(ro)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", ro], check=True)
    try:
        rs = os.path.join(d, "ro.state")
        r = run(consume_cmd(emu, "--state", rs, "--from", "begin", "-e", "-o", ro + "/"))
        check(r.returncode == 1 and "Read-only" in r.stderr, "read-only dir: %d %r" % (r.returncode, r.stderr))
    finally:
        subprocess.run(["umount", ro])
    # The same command again: the first run stopped before it recorded anything.
    r = run(consume_cmd(emu, "--state", rs, "--from", "begin", "-e", "-o", ro + "/"))
    check(r.returncode == 0, "after read-only: %r" % r.stderr)
    got = []
    for name in [n for n in os.listdir(ro) if not n.startswith(".")]:
        got += jsonl_values(open(os.path.join(ro, name)).read())
    check(sorted(got) == corpus, "after read-only the output is not the corpus: %d logs, %r" % (len(got), r.stderr))


def chmod_read_only(emu, d, corpus):
    """Not root: a directory without write permission."""
    ro = os.path.join(d, "ro")
    os.mkdir(ro)
    os.chmod(ro, stat.S_IRUSR | stat.S_IXUSR)
    rs = os.path.join(d, "ro.state")
    r = run(consume_cmd(emu, "--state", rs, "--from", "begin", "-e", "-o", ro + "/"))
    os.chmod(ro, stat.S_IRWXU)
    check(r.returncode == 1, "read-only dir: %d %r" % (r.returncode, r.stderr))
    check("permission" in r.stderr.lower(), "read-only dir message: %r" % r.stderr)
    # The same command again: the first run stopped before it recorded anything.
    r = run(consume_cmd(emu, "--state", rs, "--from", "begin", "-e", "-o", ro + "/"))
    check(r.returncode == 0, "after read-only: %r" % r.stderr)
    got = []
    for name in [n for n in os.listdir(ro) if not n.startswith(".")]:
        got += jsonl_values(open(os.path.join(ro, name)).read())
    check(sorted(got) == corpus, "after read-only the output is not the corpus: %d logs, %r" % (len(got), r.stderr))


def main():
    d = tempdir()
    with Emulator() as emu:
        corpus = []
        for i in range(50):
            v = "v%03d" % i
            emu.put("app", [{"seq": v, "pad": "p" * 500}])
            corpus.append(v)

        # Corrupt state.
        st = os.path.join(d, "corrupt.state")
        open(st, "w").write("slsflow-consume-state\nversion 1\nlength 2\n{}\ncrc32 00000000\n")
        r = run(consume_cmd(emu, "--state", st, "-e"))
        check(r.returncode == 3, "corrupt state exit %d" % r.returncode)
        check("corrupt" in r.stderr and st in r.stderr, "corrupt state message: %r" % r.stderr)
        # Newer version.
        open(st, "w").write("slsflow-consume-state\nversion 99\nlength 2\n{}\ncrc32 00000000\n")
        r = run(consume_cmd(emu, "--state", st, "-e"))
        check(r.returncode == 3 and "newer" in r.stderr, "newer state: %d %r" % (r.returncode, r.stderr))

        # Foreign state: made for another logstore list.
        fs = os.path.join(d, "foreign.state")
        r = run(consume_cmd(emu, "--state", fs, "-e", "-o", os.path.join(d, "f.jsonl")))
        check(r.returncode == 0, "seed foreign state: %r" % r.stderr)
        r = run([BIN, "consume", "--endpoint", emu.url, "-p", "demo", "-l", "app", "-l", "other", "-q",
                 "--state", fs, "-e"])
        check(r.returncode == 3 and "belongs to" in r.stderr, "foreign state: %d %r" % (r.returncode, r.stderr))

        # Locked state.
        ls = os.path.join(d, "locked.state")
        with open(ls + ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            r = run(consume_cmd(emu, "--state", ls, "-e"))
        check(r.returncode == 1 and "in use by another slsflow consume" in r.stderr,
              "locked state: %d %r" % (r.returncode, r.stderr))

        # Unknown logstore.
        r = run([BIN, "consume", "--endpoint", emu.url, "-p", "demo", "-l", "nosuchstore", "-q",
                 "--state", os.path.join(d, "u.state"), "-e"])
        check(r.returncode == 1 and "nosuchstore" in r.stderr, "unknown logstore: %d %r" % (r.returncode, r.stderr))

        # Bad --from grammar, and other usage errors.
        for args in (["--from", "last tuesday"], ["--to", "soonish"], ["--max-per-fetch", "5000"],
                     ["--shards", "3-1"], ["-f", "xml"]):
            r = run(consume_cmd(emu, "--state", os.path.join(d, "x.state"), "-e", *args))
            check(r.returncode == 2, "%s: exit %d %r" % (args, r.returncode, r.stderr))

        # ENOSPC: /dev/full accepts the open and fails every write.
        ns = os.path.join(d, "nospace.state")
        r = run(consume_cmd(emu, "--state", ns, "--from", "begin", "-e", "-o", "/dev/full"))
        check(r.returncode == 1 and "No space" in r.stderr, "ENOSPC: %d %r" % (r.returncode, r.stderr))
        # The state kept nothing: the same state to a real file gets every log.
        good = os.path.join(d, "after-nospace.jsonl")
        r = run(consume_cmd(emu, "--state", ns, "-e", "-o", good))
        check(r.returncode == 0, "after ENOSPC: %r" % r.stderr)
        check(sorted(jsonl_values(open(good).read())) == corpus, "after ENOSPC the output is not the corpus")

        # Stdout on a full disk (not a regular file: the at-least-once path).
        with open("/dev/full", "w") as full:
            p = subprocess.run(consume_cmd(emu, "--state", os.path.join(d, "full2.state"), "--from", "begin", "-e"),
                               stdout=full, stderr=subprocess.PIPE, text=True, timeout=60)
        check(p.returncode == 1 and "No space" in p.stderr, "stdout ENOSPC: %d %r" % (p.returncode, p.stderr))

        if can_mount(d):
            real_disk_faults(emu, d, corpus)
        elif os.geteuid() != 0:
            chmod_read_only(emu, d, corpus)
        else:
            # root ignores permissions, and this machine will not mount a tmpfs
            print("SKIPPED: read-only directory and full-disk cases (root without mount)")

    # Wrong secret (an emulator that checks signatures).
    with Emulator(auth=True) as emu:
        env = dict(os.environ, ALIBABA_CLOUD_ACCESS_KEY_ID="testid", ALIBABA_CLOUD_ACCESS_KEY_SECRET="wrong")
        r = run(consume_cmd(emu, "--state", os.path.join(d, "auth.state"), "-e"), env=env)
        check(r.returncode == 3, "wrong secret exit %d: %r" % (r.returncode, r.stderr))
        check("check the" in r.stderr and "secret" in r.stderr, "wrong secret message: %r" % r.stderr)
        check("wrong" not in r.stderr, "the secret leaked into the message")
        env["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] = "testsecret"
        r = run(consume_cmd(emu, "--state", os.path.join(d, "auth.state"), "-e"), env=env)
        check(r.returncode == 0, "right secret: %d %r" % (r.returncode, r.stderr))
    print("ok: corrupt/newer/foreign/locked state, unknown logstore, usage, ENOSPC, read-only dir, wrong secret")


if __name__ == "__main__":
    main()
