"""Routing of issue 6: --hash-field sends every log of a key to one shard
(keys adjusted into 64 buckets like the official producers), and --ordered
keeps each key's logs in input order; the default load-balances over shards."""
import collections
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from produce_helpers import Emulator, check, consume_args, produce_cmd, run  # noqa: E402


def shards_and_order(emu, logstore):
    r = run(consume_args(emu, logstore) + ["--with-shard"], timeout=120)
    check(r.returncode == 0, "consume: %s" % r.stderr)
    by_user = collections.defaultdict(list)
    shards = collections.defaultdict(set)
    for line in r.stdout.decode().splitlines():
        o = json.loads(line)
        shards[o["user"]].add(o["__shard__"])
        by_user[o["user"]].append(int(o["seq"]))
    return shards, by_user


def main():
    lines = ['{"user":"u%02d","seq":"%d"}' % (i % 20, i) for i in range(20000)]
    data = ("\n".join(lines) + "\n").encode()
    with Emulator(logstores=("routed:4", "lb:4")) as emu:
        r = run(produce_cmd(emu, "routed", "--input", "jsonl", "--hash-field", "user", "--ordered",
                            "--parallel", "8", "--max-batch-logs", "200"), input=data)
        check(r.returncode == 0, "routed produce: %s" % r.stderr)
        shards, by_user = shards_and_order(emu, "routed")
        check(len(by_user) == 20 and sum(len(v) for v in by_user.values()) == 20000, "all logs arrived")
        check(all(len(s) == 1 for s in shards.values()), "a user on several shards: %r" % dict(shards))
        check(len({next(iter(s)) for s in shards.values()}) > 1, "every user on one shard: no spreading")
        for user, seqs in by_user.items():
            check(seqs == sorted(seqs), "order of %s not kept" % user)
        r = run(produce_cmd(emu, "lb", "--input", "jsonl", "--max-batch-logs", "200"), input=data)
        check(r.returncode == 0, "lb produce: %s" % r.stderr)
        lb_shards, _ = shards_and_order(emu, "lb")
        used = set().union(*lb_shards.values())
        check(len(used) > 1, "load-balanced writes all landed on shard %r" % used)
    print("ok: --hash-field keeps each key on one shard and in order (%d shards used); lb spreads over %d" % (
        len({next(iter(s)) for s in shards.values()}), len(used)))


if __name__ == "__main__":
    main()
