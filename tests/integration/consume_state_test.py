"""Issue 16: the state belongs to its output. One case per rule of the STATE
table (man/slsflow-consume.1, doc/state-format.md), each running the real
binary against the emulator:

- the six commands of the issue's "Why", each printing what its flags ask;
- -o DIR/, -o FILE and templates keep their state inside the output; a new
  output starts fresh; --state keeps owning the output;
- stdout as a regular file: >> resumes, > starts over with a notice, content
  without a state is appended to and only the new bytes are owned, a
  replaced or shortened file is an error naming the ways out;
- a pipe keeps no state, and reads and tails of one logstore run at once;
- the resume line, -q, kcat's -o words, the upgrade notice, --reset."""
import glob
import hashlib
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from consume_helpers import BIN, Emulator, check, jsonl_values, run, tempdir  # noqa: E402


def consume(emu, *args, stdout=None, env=None, cwd=None):
    """Runs consume without -q (the messages are under test)."""
    cmd = [BIN, "consume", "--endpoint", emu.url, "-p", "demo", "-l", "app"] + list(args)
    if stdout is None:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env, cwd=cwd)
    return subprocess.run(cmd, stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=60, env=env, cwd=cwd)


def produce(emu, first, n):
    """`seq first first+n-1 | slsflow produce`, as the issue's user did."""
    lines = "".join("%d\n" % i for i in range(first, first + n))
    r = subprocess.run([BIN, "produce", "--endpoint", emu.url, "-p", "demo", "-l", "app"], input=lines,
                       capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, "produce: %r" % r.stderr)
    return [str(i) for i in range(first, first + n)]


def contents(paths):
    out = []
    for p in paths:
        out += jsonl_values(open(p).read(), "content")
    return out


def files_of(d):
    return sorted(glob.glob(os.path.join(d, "*.jsonl")))


def why_commands(emu, d, corpus):
    """The six commands that came back empty without a word."""
    r = consume(emu, "--from", "begin", "-e", "-o", d + "/out1/")
    check(r.returncode == 0 and sorted(contents(files_of(d + "/out1"))) == sorted(corpus), "out1: %r" % r.stderr)
    r = consume(emu, "--from", "begin", "-e", "-o", d + "/out2/")
    check(r.returncode == 0 and sorted(contents(files_of(d + "/out2"))) == sorted(corpus),
          "out2/ after out1/ must hold everything: %r" % r.stderr)
    with open(d + "/x.txt", "w") as f:
        r = consume(emu, "--from", "begin", "-e", stdout=f)
    check(r.returncode == 0 and len(contents([d + "/x.txt"])) == len(corpus), "> x.txt: %r" % r.stderr)
    for args, want in ((["--from", "-1h"], len(corpus)), (["--last", "5"], 5)):
        p = subprocess.run("%s | wc -l" % " ".join(
            [BIN, "consume", "--endpoint", emu.url, "-p", "demo", "-l", "app"] + args + ["-e"]),
            shell=True, capture_output=True, text=True, timeout=60)
        check(int(p.stdout) == want, "%s | wc -l gave %s, want %d (%r)" % (args, p.stdout, want, p.stderr))
        p2 = subprocess.run("%s | wc -l" % " ".join(
            [BIN, "consume", "--endpoint", emu.url, "-p", "demo", "-l", "app"] + args + ["-e"]),
            shell=True, capture_output=True, text=True, timeout=60)
        check(p2.stdout == p.stdout, "a second %s read differs: %s vs %s" % (args, p.stdout, p2.stdout))


def files_rules(emu, d, corpus):
    out = d + "/f/"
    r = consume(emu, "--from", "begin", "-e", "-o", out)
    check(os.path.exists(out + ".slsflow/dir.state"), "-o DIR/ keeps its state inside: %s" % os.listdir(out))
    r = consume(emu, "--from", "begin", "-e", "-o", out)
    check(r.returncode == 0 and "slsflow: resuming %s (4 shards, %d records written); --reset to start over"
          % (out, len(corpus)) in r.stderr, "the resume line: %r" % r.stderr)
    check(len(contents(files_of(out))) == len(corpus), "a rerun added records")
    r = consume(emu, "-q", "-e", "-o", out)
    check(r.returncode == 0 and r.stderr == "", "-q silences the resume line: %r" % r.stderr)
    # A template: the state lives in its fixed leading folder, named after it.
    tmpl = d + "/t/{date:%Y}/{logstore}-{shard}.jsonl"
    r = consume(emu, "--from", "begin", "-e", "-o", tmpl)
    states = glob.glob(d + "/t/.slsflow/template.*.state")
    check(r.returncode == 0 and len(states) == 1, "template state: %r %s" % (r.stderr, states))
    check(len(contents(glob.glob(d + "/t/*/*.jsonl"))) == len(corpus), "template output")
    # A template that starts with a placeholder: the current folder.
    os.makedirs(d + "/cwd")
    r = consume(emu, "--from", "begin", "-e", "-o", "{logstore}-{shard}.jsonl", cwd=d + "/cwd")
    check(r.returncode == 0 and glob.glob(d + "/cwd/.slsflow/template.*.state"), "leading placeholder: %r" % r.stderr)
    # A single file: beside it.
    r = consume(emu, "--from", "begin", "-e", "-o", d + "/single.jsonl")
    check(os.path.exists(d + "/.slsflow/file.single.jsonl.state"), "-o FILE keeps its state beside it")
    # --state elsewhere still owns the output: a run without it is pointed there.
    r = consume(emu, "--from", "begin", "-e", "-o", d + "/s/", "--state", d + "/mine.state")
    check(r.returncode == 0 and os.path.exists(d + "/mine.state"), "--state: %r" % r.stderr)
    r = consume(emu, "--from", "begin", "-e", "-o", d + "/s/")
    check(r.returncode == 2 and "--state " + d + "/mine.state" in r.stderr, "without --state: %d %r"
          % (r.returncode, r.stderr))
    check(len(contents(files_of(d + "/s"))) == len(corpus), "the pointer run wrote something")


def stdout_rules(emu, d, corpus):
    path = d + "/y.txt"
    with open(path, "ab") as f:
        r = consume(emu, "--from", "begin", "-e", stdout=f)
    check(r.returncode == 0 and os.path.exists(d + "/.slsflow/stdout.y.txt.state"), ">> y.txt: %r" % r.stderr)
    more = produce(emu, 5001, 10)
    with open(path, "ab") as f:
        r = consume(emu, "--from", "begin", "-e", stdout=f)
    got = contents([path])
    check(sorted(got) == sorted(corpus + more) and "resuming " + path in r.stderr, ">> resumes exactly once: %d %r"
          % (len(got), r.stderr))
    with open(path, "wb") as f:  # > empties the file: start over, and say so
        r = consume(emu, "--from", "begin", "-e", stdout=f)
    check("was emptied since the last run" in r.stderr and sorted(contents([path])) == sorted(corpus + more),
          "> rerun: %r" % r.stderr)
    # Replaced by another file (renamed over it): a clear error, nothing written.
    with open(d + "/other.txt", "w") as f:
        f.write("{\"content\":\"theirs\"}\n")
    os.rename(d + "/other.txt", path)
    with open(path, "ab") as f:
        r = consume(emu, "--from", "begin", "-e", stdout=f)
    check(r.returncode == 3 and "replaced" in r.stderr and "--reset" in r.stderr, "replaced: %d %r"
          % (r.returncode, r.stderr))
    check(contents([path]) == ["theirs"], "the replaced file was written to")
    # Following the advice: --reset keeps the bytes that are not ours.
    with open(path, "ab") as f:
        r = consume(emu, "--from", "begin", "--reset", "-e", stdout=f)
    got = contents([path])
    check(r.returncode == 0 and got[0] == "theirs" and sorted(got[1:]) == sorted(corpus + more),
          "--reset after replaced: %r" % r.stderr)
    # Cut shorter than committed: an error; --reset then gives every record once.
    size = os.path.getsize(path)
    os.truncate(path, size - 30)
    with open(path, "ab") as f:
        r = consume(emu, "--from", "begin", "-e", stdout=f)
    check(r.returncode == 3 and "shorter" in r.stderr, "cut short: %d %r" % (r.returncode, r.stderr))
    with open(path, "ab") as f:
        r = consume(emu, "--from", "begin", "--reset", "-e", stdout=f)
    got = contents([path])
    check(got[0] == "theirs" and sorted(got[1:]) == sorted(corpus + more), "--reset after a cut: %d" % len(got))
    return more


def pipe_rules(emu, d, corpus):
    """No state: reads and tails of one logstore at once, each as its flags say."""
    tails = [subprocess.Popen([BIN, "consume", "--endpoint", emu.url, "-p", "demo", "-l", "app", "-f", "raw",
                               "--fetch-interval", "20ms"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    time.sleep(1.0)
    reads = [subprocess.Popen([BIN, "consume", "--endpoint", emu.url, "-p", "demo", "-l", "app", "--from", "begin",
                               "-e", "-f", "raw"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    outs = [p.communicate(timeout=60) for p in reads]
    for (out, err), p in zip(outs, reads):
        check(p.returncode == 0 and len(out.split()) == len(corpus), "a read beside tails: %d %r" % (
            len(out.split()), err))
    new = produce(emu, 9001, 20)
    time.sleep(1.5)
    for t in tails:
        t.terminate()
        out, err = t.communicate(timeout=10)
        check(sorted(out.split()) == sorted(new), "a tail saw %d of the %d new logs: %r" % (
            len(out.split()), len(new), err))
    check(not glob.glob(os.environ["XDG_STATE_HOME"] + "/slsflow/*"), "a pipe read kept a state")
    return new


def kcat_words_and_upgrade(emu, d):
    for word in ("beginning", "end", "stored", "-5"):
        r = consume(emu, "-e", "-o", word)
        check(r.returncode == 2 and "slsflow: -o is the output path; to start at the beginning use --from begin"
              in r.stderr, "-o %s: %d %r" % (word, r.returncode, r.stderr))
    r = consume(emu, "--from", "begin", "-e", "-o", "./end", cwd=d)
    check(r.returncode == 0 and os.path.exists(d + "/end"), "./end is a path: %r" % r.stderr)
    # A state at the place older versions used for every run of a logstore.
    identity = "demo\n%s\n\napp" % emu.url
    old = os.environ["XDG_STATE_HOME"] + "/slsflow/demo-app-%s.state" % hashlib.sha256(
        identity.encode()).hexdigest()[:12]
    os.makedirs(os.path.dirname(old), exist_ok=True)
    open(old, "w").write("old")
    r = subprocess.run([BIN, "consume", "--endpoint", emu.url, "-p", "demo", "-l", "app", "-e"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    check("pass --state %s to keep resuming from it" % old in r.stderr, "upgrade notice: %r" % r.stderr)
    os.unlink(old)


def reset_does_not_double(d):
    """--reset empties what the state wrote, rotated segments too, so a reset
    run never appends a second copy; the corrupt-state advice is exact too."""
    out = d + "/r/"
    with Emulator(logstores=("app:2",)) as emu:
        # Rotation is checked about once a second: feed a follow run slowly.
        p = subprocess.Popen([BIN, "consume", "--endpoint", emu.url, "-p", "demo", "-l", "app", "-q", "--from",
                              "begin", "-o", out, "--rotate-size", "1k", "--idle-exit", "1500ms",
                              "--fetch-interval", "50ms"], stderr=subprocess.PIPE, text=True)
        corpus = []
        for i in range(6):
            corpus += produce(emu, 100 * i, 40)
            time.sleep(0.5)
        p.wait(timeout=60)
        check(p.returncode == 0, "rotated run: %r" % p.stderr.read())
        check(len(files_of(out[:-1])) > 2, "expected rotated segments, got %s" % files_of(out[:-1]))
        check(sorted(contents(files_of(out[:-1]))) == sorted(corpus), "rotated output")
        for _ in range(2):
            r = consume(emu, "--reset", "--from", "begin", "-e", "-o", out)
            check(r.returncode == 0, "--reset: %r" % r.stderr)
            got = contents(files_of(out[:-1]))
            check(sorted(got) == sorted(corpus), "--reset gave %d records for %d" % (len(got), len(corpus)))
        # A corrupt state: following the advice (--reset) gives every record once.
        open(out + ".slsflow/dir.state", "w").write("garbage")
        r = consume(emu, "--from", "begin", "-e", "-o", out)
        check(r.returncode == 3 and "corrupt" in r.stderr and "--reset" in r.stderr, "corrupt: %r" % r.stderr)
        r = consume(emu, "--reset", "--from", "begin", "-e", "-o", out)
        got = contents(files_of(out[:-1]))
        check(r.returncode == 0 and sorted(got) == sorted(corpus), "--reset over a corrupt state: %d" % len(got))


def main():
    d = tempdir()
    os.environ["XDG_STATE_HOME"] = d + "/xdg"
    os.environ["HOME"] = d + "/home"
    with Emulator() as emu:
        corpus = produce(emu, 1, 1000)
        why_commands(emu, d, corpus)
        files_rules(emu, d, corpus)
        corpus += stdout_rules(emu, d, corpus)
        corpus += pipe_rules(emu, d, corpus)
        kcat_words_and_upgrade(emu, d)
    reset_does_not_double(d)
    print("ok: the six reads of the issue, DIR/FILE/template/--state, >> and > files, pipes without state, "
          "-o words, the upgrade notice, --reset")


if __name__ == "__main__":
    main()
