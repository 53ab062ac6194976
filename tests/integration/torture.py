"""The "nothing lost" torture run (issue 9): for --minutes N,
  - `slsflow produce --file F --follow` ships a growing corpus through an
    emulator that injects 5xx, resets and slow replies;
  - two `slsflow consume` runs write it into `-o DIR/` and into `>> file`;
  - all of them are kill -9'd at random moments and restarted, and the
    emulator itself is restarted on its --data-dir.
At the end everything is run to completion and verified:
  - file sinks hold exactly what the logstore holds: 0 lost, 0 duplicated;
  - every input line is in the logstore: 0 lost; duplicates from produce
    retries and restarts are counted and reported.
  - produce re-sends after each kill at most the batches in flight plus
    those acknowledged during the save under way (its --state promise):
    each produce run is tagged, so a copy stored by a later run than the
    one before it is a re-send after that run's end. The bound checked per
    end of run is 2 x --parallel x --max-batch-logs (4 in flight, and as
    many acknowledged during one save).
One summary line: kills, restarts, records, lost, duplicated. Exit 1 on loss,
on a file-sink duplicate, or on a produce re-send over the bound.
"""
import argparse, collections, json, os, random, shutil, signal, socket, subprocess, sys, tempfile, time

BIN = os.environ.get("SLSFLOW_BIN", "slsflow")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Cluster:
    def __init__(self, work, seed, faults):
        self.work, self.seed, self.faults = work, seed, faults
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.emu = None
        self.restarts = 0
        self.start_emulator(first=True)

    def start_emulator(self, first=False):
        cmd = [BIN, "emulator", "--listen", "127.0.0.1:%d" % self.port, "--data-dir", os.path.join(self.work, "data"),
               "--project", "demo", "--no-auth", "--seed", str(self.seed)]
        if first:
            cmd += ["--logstore", "app:4"]
        if self.faults:
            cmd += ["--fault-5xx", "0.03", "--fault-reset", "0.02", "--fault-slow", "0.02", "--fault-slow-ms", "300"]
        for _ in range(50):
            self.emu = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=open(os.path.join(self.work, "emu.err"), "a"),
                                        text=True)
            line = self.emu.stdout.readline()
            if line.startswith("listening"):
                return
            self.emu.wait()
            time.sleep(0.2)  # the port may linger for a moment
        raise RuntimeError("emulator did not restart")

    def restart_emulator(self):
        self.emu.send_signal(signal.SIGTERM)
        self.emu.wait(20)
        self.restarts += 1
        self.start_emulator()

    def stop(self):
        if self.emu and self.emu.poll() is None:
            self.emu.send_signal(signal.SIGTERM)
            self.emu.wait(20)


def common(url):
    return ["--endpoint", url, "-p", "demo", "-l", "app", "-q"]


PRODUCE_PARALLEL = 4
PRODUCE_BATCH_LOGS = 200


def produce_resends(records):
    """records: (line, produce run) per stored copy. Returns (re-sends per
    end of run, copies stored twice by one run): a copy stored by run r
    after an earlier copy by run q < r was sent again because run q ended
    (kill -9, or an exit) before the copy's position was saved."""
    runs = collections.defaultdict(list)
    for line, run in records:
        runs[line].append(run)
    per_end = collections.Counter()
    within = 0
    for rs in runs.values():
        rs.sort()
        for prev, cur in zip(rs, rs[1:]):
            if cur == prev:
                within += 1
            else:
                per_end[prev] += 1
    return per_end, within


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=random.randrange(1 << 30))
    args = ap.parse_args()
    rng = random.Random(args.seed)
    work = tempfile.mkdtemp(prefix="slsflow-torture-")
    print("torture: seed %d, %.1f minutes, work dir %s" % (args.seed, args.minutes, work), flush=True)
    cluster = Cluster(work, args.seed, faults=True)
    corpus_path = os.path.join(work, "input.log")
    open(corpus_path, "w").close()
    out_dir = os.path.join(work, "out") + "/"
    out_file = os.path.join(work, "stdout.jsonl")

    produce_runs = [0]

    def produce_cmd():
        produce_runs[0] += 1
        return [BIN, "produce"] + common(cluster.url) + ["--file", corpus_path, "--follow", "--state",
                os.path.join(work, "produce.state"), "--retries", "20", "--linger", "50ms", "--parallel",
                str(PRODUCE_PARALLEL), "--max-batch-logs", str(PRODUCE_BATCH_LOGS), "--tag",
                "run=%d" % produce_runs[0]]

    def consume_dir_cmd():
        return [BIN, "consume"] + common(cluster.url) + ["--from", "begin", "--state", os.path.join(work, "c1.state"),
                "-o", out_dir, "--commit-interval", "100ms"]

    def consume_file_cmd():
        return [BIN, "consume"] + common(cluster.url) + ["--from", "begin", "--state", os.path.join(work, "c2.state"),
                "--commit-interval", "100ms"]

    def spawn(name):
        err = open(os.path.join(work, name + ".err"), "a")
        if name == "produce":
            return subprocess.Popen(produce_cmd(), stdout=subprocess.DEVNULL, stderr=err)
        if name == "cdir":
            return subprocess.Popen(consume_dir_cmd(), stdout=subprocess.DEVNULL, stderr=err)
        return subprocess.Popen(consume_file_cmd(), stdout=open(out_file, "ab"), stderr=err)

    procs = {n: spawn(n) for n in ("produce", "cdir", "cfile")}
    kills = collections.Counter()
    seq = 0
    deadline = time.time() + args.minutes * 60
    with open(corpus_path, "a") as corpus:
        while time.time() < deadline:
            for _ in range(rng.randrange(1, 200)):
                corpus.write("seq=%08d %s\n" % (seq, "x" * rng.randrange(0, 120)))
                seq += 1
            corpus.flush()
            time.sleep(rng.uniform(0.01, 0.15))
            for name, p in list(procs.items()):
                if p.poll() is not None:  # exited on its own (an injected fault ran out its retries)
                    procs[name] = spawn(name)
                elif rng.random() < 0.08:
                    p.send_signal(signal.SIGKILL)
                    p.wait()
                    kills[name] += 1
                    procs[name] = spawn(name)
            if rng.random() < 0.01:
                cluster.restart_emulator()

    # Let produce catch up, then stop everyone and finish cleanly without faults.
    for p in procs.values():
        p.send_signal(signal.SIGKILL)
        p.wait()
    cluster.faults = False
    cluster.restart_emulator()
    # --follow never ends by itself: run it until its state reaches the end of the input.
    p = spawn("produce")
    size = os.path.getsize(corpus_path)
    end = time.time() + 300
    while time.time() < end:
        time.sleep(0.5)
        try:
            st = open(os.path.join(work, "produce.state"), "rb").read()
        except OSError:
            continue
        if ("\noffset %d\n" % size).encode() in st:
            break
    time.sleep(0.5)
    p.send_signal(signal.SIGTERM)
    p.wait(60)
    for cmd, stdout in ((consume_dir_cmd(), subprocess.DEVNULL), (consume_file_cmd(), open(out_file, "ab"))):
        for attempt in range(5):
            rc = subprocess.run(cmd + ["-e"], stdout=stdout, stderr=subprocess.PIPE, timeout=600).returncode
            if rc == 0:
                break
        if rc != 0:
            print("torture: a final consume kept failing (exit %d)" % rc)
            sys.exit(1)
    ref = subprocess.run([BIN, "consume"] + common(cluster.url) + ["--from", "begin", "-e", "--state",
                         os.path.join(work, "ref.state"), "-f", "jsonl"], capture_output=True, timeout=600).stdout
    cluster.stop()

    copies = [json.loads(l) for l in ref.decode().splitlines() if l.strip()]
    stored = collections.Counter(c["content"] for c in copies)
    per_end, within_run = produce_resends((c["content"], int(c["__tag__:run"])) for c in copies)
    bound = 2 * PRODUCE_PARALLEL * PRODUCE_BATCH_LOGS
    ends = produce_runs[0] - 1  # every run but the last ended by a kill or by itself
    worst = max(per_end.values()) if per_end else 0
    print("torture: produce re-sent after %d ends of run (%d kill -9): %d lines, %.1f per end, at most %d "
          "(bound %d = 2 x %d parallel x %d logs a batch); %d stored twice within one run (retries after lost "
          "replies)" % (ends, kills["produce"], sum(per_end.values()), sum(per_end.values()) / max(ends, 1),
                        worst, bound, PRODUCE_PARALLEL, PRODUCE_BATCH_LOGS, within_run))
    inputs = set(l.rstrip("\n") for l in open(corpus_path))
    lost_produce = len(inputs - set(stored))
    dup_produce = sum(c - 1 for c in stored.values() if c > 1)

    def content_of(path_iter):
        c = collections.Counter()
        for f in path_iter:
            for line in open(f):
                if line.strip():
                    c[json.loads(line)["content"]] += 1
        return c

    sinks = {"-o DIR/": content_of(os.path.join(out_dir, f) for f in os.listdir(out_dir) if not f.startswith(".")),
             "> file": content_of([out_file])}
    bad = False
    for name, got in sinks.items():
        lost = sum((stored - got).values())
        extra = sum((got - stored).values())
        print("torture: %-8s %d records, lost %d, duplicated %d" % (name, sum(got.values()), lost, extra))
        bad |= lost > 0 or extra > 0
    print("torture: kills %d (produce %d, consume %d), emulator restarts %d, records %d, lost %d, duplicated %d "
          "(produce duplicates %d), seed %d"
          % (sum(kills.values()), kills["produce"], kills["cdir"] + kills["cfile"], cluster.restarts, len(inputs),
             lost_produce + sum(sum((stored - g).values()) for g in sinks.values()),
             sum(sum((g - stored).values()) for g in sinks.values()), dup_produce, args.seed))
    if worst > bound:
        print("torture: produce re-sent %d lines after one end of run, over the bound %d: %s" % (
            worst, bound, sorted(per_end.items(), key=lambda kv: -kv[1])[:5]))
        bad = True
    if lost_produce or bad:
        print("torture: FAILED; files kept in %s" % work)
        sys.exit(1)
    shutil.rmtree(work, True)


if __name__ == "__main__":
    main()
