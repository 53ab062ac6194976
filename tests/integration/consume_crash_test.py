"""Acceptance 2 of issue 5, and of issue 16: `kill -9` consumers at random
moments while a producer keeps writing, each keeping its state where the
STATE table says (no --state): `-o DIR/` (rotating), a second `-o DIR2/` of
the same logstore at the same time, a stdout redirected to a file (`>>`),
`--ordered -o FILE`, and two consumer-group members sharing one DIR. After
resuming to the end, each output is exactly the corpus: 0 lost, 0 duplicated.

CONSUME_CRASH_KILLS (default 30) sets the number of kills; scripts/torture.sh
runs it longer. CONSUME_CRASH_SEED makes a run repeatable."""
import glob
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from consume_helpers import Emulator, check, consume_cmd, key_hex, run, tempdir  # noqa: E402

KILLS = int(os.environ.get("CONSUME_CRASH_KILLS", "30"))
SEED = int(os.environ.get("CONSUME_CRASH_SEED", str(int(time.time()))))


def values_of(paths):
    out = []
    for p in paths:
        with open(p, "rb") as f:
            for line in f.read().decode().splitlines():
                if line.strip():
                    out.append(json.loads(line)["seq"])
    return out


def main():
    rng = random.Random(SEED)
    print("seed %d, %d kills" % (SEED, KILLS))
    d = tempdir()
    outdir = os.path.join(d, "out") + "/"
    outfile = os.path.join(d, "stdout.jsonl")
    outdir2 = os.path.join(d, "out2") + "/"
    groupdir = os.path.join(d, "group") + "/"
    errlog = open(os.path.join(d, "members.err"), "a")
    with Emulator() as emu:
        corpus = []
        stop = threading.Event()
        errors = []

        def producer():
            i = 0
            try:
                while not stop.is_set():
                    logs = [{"seq": "p%06d-%d" % (i, j), "pad": "x" * rng.randrange(0, 300)} for j in range(5)]
                    emu.put("app", logs, hash_key=key_hex((i * 37) % 256))
                    corpus.extend(l["seq"] for l in logs)
                    i += 1
                    time.sleep(0.002)
            except Exception as e:  # noqa: BLE001
                errors.append(e)

        t = threading.Thread(target=producer)
        t.start()
        common = ["--from", "begin", "--commit-interval", "30ms", "--max-per-fetch", "4",
                  "--discovery-interval", "300ms", "-f", "jsonl"]
        # -o DIR/ also rotates (size): segments come and go across the kills.
        dir_cmd = consume_cmd(emu, *common, "-o", outdir, "--rotate-size", "64K")
        dir2_cmd = consume_cmd(emu, *common, "-o", outdir2)
        out_cmd = consume_cmd(emu, *common)
        ordered_out = os.path.join(d, "ordered.jsonl")
        ord_cmd = consume_cmd(emu, *common, "--ordered", "--window", "50ms", "-o", ordered_out)
        # Two members of one group share a DIR; each keeps its own files.
        member_cmds = [consume_cmd(emu, *common, "--group", "g", "--consumer", name, "--group-timeout", "30",
                                   "--heartbeat-interval", "200ms", "-o", groupdir) for name in ("m1", "m2")]
        try:
            for k in range(KILLS):
                with open(outfile, "ab") as sink:
                    procs = [subprocess.Popen(dir_cmd, stderr=subprocess.DEVNULL),
                             subprocess.Popen(out_cmd, stdout=sink, stderr=subprocess.DEVNULL),
                             subprocess.Popen(ord_cmd, stderr=subprocess.DEVNULL),
                             subprocess.Popen(dir2_cmd, stderr=subprocess.DEVNULL)]
                    procs += [subprocess.Popen(c, stderr=errlog) for c in member_cmds]
                    rng.shuffle(procs)
                    time.sleep(rng.uniform(0.02, 0.4))
                    for p in procs:
                        p.send_signal(signal.SIGKILL)
                        time.sleep(rng.uniform(0, 0.03))
                    for p in procs:
                        p.wait()
                if k == KILLS // 3:
                    emu.split("app", 0, key_hex(0x20))
                if k == 2 * KILLS // 3:
                    emu.merge("app", 2)
        finally:
            stop.set()
            t.join()
        check(not errors, "producer failed: %s" % errors)
        # Resume to the end.
        r = run(dir_cmd + ["-e"])
        check(r.returncode == 0, "final -o DIR/ run: %d %s" % (r.returncode, r.stderr))
        with open(outfile, "ab") as sink:
            r = subprocess.run(out_cmd + ["-e"], stdout=sink, stderr=subprocess.PIPE, text=True, timeout=60)
        check(r.returncode == 0, "final stdout run: %d %s" % (r.returncode, r.stderr))
        r = run(ord_cmd + ["-e"])
        check(r.returncode == 0, "final --ordered run: %d %s" % (r.returncode, r.stderr))
        r = run(dir2_cmd + ["-e"])
        check(r.returncode == 0, "final -o DIR2/ run: %d %s" % (r.returncode, r.stderr))
        # Both members at once, so that every shard has its reader.
        members = [subprocess.Popen(c + ["-e"], stderr=subprocess.PIPE, text=True) for c in member_cmds]
        for m in members:
            _, err = m.communicate(timeout=120)
            check(m.returncode == 0, "final group member run: %d %s" % (m.returncode, err))

        want = sorted(corpus)
        group_files = glob.glob(groupdir + "*.jsonl")
        check(group_files and all(f.endswith(("-m1.jsonl", "-m2.jsonl")) for f in group_files),
              "group members share files: %s" % group_files)
        for name, got in (("-o DIR/", values_of(glob.glob(outdir + "*.jsonl"))), ("> file", values_of([outfile])),
                          ("--ordered -o FILE", values_of([ordered_out])),
                          ("a second -o DIR2/", values_of(glob.glob(outdir2 + "*.jsonl"))),
                          ("two group members in one DIR", values_of(group_files))):
            dup = len(got) - len(set(got))
            lost = len(set(want) - set(got))
            check(dup == 0 and lost == 0 and sorted(got) == want,
                  "%s: %d logs, corpus %d, %d duplicated, %d lost (seed %d)" % (name, len(got), len(want), dup, lost,
                                                                               SEED))
    segments = len(glob.glob(outdir + "*.jsonl"))
    print("ok: %d logs, %d kills, 0 lost, 0 duplicated in -o DIR/ (%d rotated segments), >> file, --ordered -o FILE, "
          "a second DIR2/ and two group members sharing one DIR" % (len(corpus), KILLS, segments))


if __name__ == "__main__":
    main()
