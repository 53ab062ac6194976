"""Acceptance 3: two then three heartbeat consumers on a logstore of 8 shards
get disjoint, balanced assignments; when one stops heartbeating its shards
move after the timeout; in-order mode hands out a split's children only
after the parent's checkpoint reaches its end."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emulator_testlib import Emulator, check, cursor, encode_group  # noqa: E402

CG = "/logstores/app/consumergroups/cg"

# SLS takes log times within [now - 168 h, now + 15 min] only.
T0 = int(time.time()) - 3600


def beat(emu, consumer, held, path=CG):
    return emu.json("POST", "%s?type=heartbeat&consumer=%s" % (path, consumer), json.dumps(held))


def settle(emu, held, rounds=8):
    # A transfer completes one beat after the holder stops listing the
    # shard, so "settled" means two rounds in a row without change.
    quiet = 0
    for _ in range(rounds):
        before = dict(held)
        for c in sorted(held):
            held[c] = beat(emu, c, held[c])
        quiet = quiet + 1 if before == held else 0
        if quiet == 2:
            break
    return held


def check_disjoint_balanced(held, total, what):
    seen = [s for shards in held.values() for s in shards]
    check(len(seen) == len(set(seen)), "%s: a shard was handed out twice: %s" % (what, held))
    check(sorted(seen) == list(range(total)), "%s: not every shard is assigned: %s" % (what, held))
    sizes = [len(s) for s in held.values()]
    check(max(sizes) - min(sizes) <= 1, "%s: unbalanced: %s" % (what, held))


def main():
    emu = Emulator(logstores=("app:8",))
    try:
        emu.json("POST", "/logstores/app/consumergroups",
                 json.dumps({"consumerGroup": "cg", "timeout": 2, "order": False}))
        held = settle(emu, {"a": [], "b": []})
        check_disjoint_balanced(held, 8, "two consumers")
        held["c"] = []
        held = settle(emu, held)
        check_disjoint_balanced(held, 8, "three consumers")
        check(len(held["c"]) >= 2, "the third consumer got nothing: %s" % held)

        # c goes silent; a and b keep beating. Its shards move only after the
        # 2 s timeout.
        silent = held.pop("c")
        start = time.time()
        moved_at = None
        while time.time() - start < 8:
            held = settle(emu, held, rounds=2)
            owned = {s for shards in held.values() for s in shards}
            if moved_at is None and set(silent) <= owned:
                moved_at = time.time() - start
                break
            time.sleep(0.3)
        check(moved_at is not None, "c's shards %s never moved: %s" % (silent, held))
        check(moved_at >= 1.5, "c's shards moved before its timeout (%.1fs)" % moved_at)
        held = settle(emu, held)
        check_disjoint_balanced(held, 8, "after expiry")
        # A consumer the server expired must rejoin with an empty list.
        status, _, body = emu.request("POST", CG + "?type=heartbeat&consumer=c", json.dumps(silent),
                                      {"Content-Type": "application/json"})
        check(status == 400 and b"NotExistConsumerWithBody" in body, "expired consumer: %d %s" % (status, body))

        # In order: children of a split wait for the parent's end checkpoint.
        emu.json("POST", "/logstores", json.dumps({"logstoreName": "ordered", "shardCount": 1}))
        for i in range(3):
            emu.put("ordered", encode_group([(T0 + i, [("k", "v%d" % i)])]), target="0")
        split = emu.json("POST", "/logstores/ordered/shards/0?action=split&key=80000000000000000000000000000000")
        check([s["shardID"] for s in split] == [0, 1, 2], "split reply %s" % split)
        emu.json("POST", "/logstores/ordered/consumergroups",
                 json.dumps({"consumerGroup": "ocg", "timeout": 30, "order": True}))
        ocg = "/logstores/ordered/consumergroups/ocg"
        check(beat(emu, "a", [], ocg) == [0], "in order, only the parent is handed out first")
        end = emu.json("GET", "/logstores/ordered/shards/0?type=cursor&from=end")["cursor"]
        check(end == cursor(3), "end cursor of the readonly parent: %s" % end)
        emu.json("POST", ocg + "?type=checkpoint&consumer=a&forceSuccess=false",
                 json.dumps({"shard": 0, "checkpoint": cursor(2)}))
        check(beat(emu, "a", [0], ocg) == [0], "children released before the parent reached its end")
        emu.json("POST", ocg + "?type=checkpoint&consumer=a&forceSuccess=false",
                 json.dumps({"shard": 0, "checkpoint": end}))
        check(beat(emu, "a", [0], ocg) == [1, 2], "children not released after the parent's end checkpoint")
    finally:
        rc = emu.stop()
    check(rc == 0, "emulator exit code %s" % rc)
    print("emulator_heartbeat_test: ok")


if __name__ == "__main__":
    main()
