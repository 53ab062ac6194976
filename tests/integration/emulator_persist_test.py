"""Acceptance 4 with the real binary: every acknowledged log survives a clean
restart (SIGTERM) and a kill -9, and so do shards, consumer groups and
checkpoints."""
import json
import os
import shutil
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emulator_testlib import Emulator, check, cursor, encode_group  # noqa: E402

# SLS takes log times within [now - 168 h, now + 15 min] only.
T0 = int(time.time()) - 3600


def all_groups(emu, shards):
    out = {}
    for s in shards:
        groups, nxt = [], 0
        while True:
            got, nxt2 = emu.pull("app", s, nxt, count=7)
            groups += got
            if nxt2 == nxt:
                break
            nxt = nxt2
        out[s] = groups
    return out


def main():
    scratch = tempfile.mkdtemp(prefix="emu-persist-")
    data = os.path.join(scratch, "data")
    try:
        emu = Emulator("--data-dir", data, logstores=("app:2",))
        written = []
        for i in range(50):
            g = encode_group([(T0 + i, [("msg", "hello %d é中" % i), ("n", str(i))])],
                             topic="t%d" % (i % 3), source="10.0.0.1", tags=[("env", "test")])
            emu.put("app", g, deflate=(i % 2 == 0))
            written.append(g)
        emu.json("POST", "/logstores/app/shards/1?action=split&key=c0000000000000000000000000000000")
        emu.json("POST", "/logstores/app/consumergroups", json.dumps({"consumerGroup": "cg", "timeout": 45, "order": False}))
        emu.json("POST", "/logstores/app/consumergroups/cg?type=checkpoint&consumer=x&forceSuccess=true",
                 json.dumps({"shard": 1, "checkpoint": cursor(9)}))
        before = all_groups(emu, [0, 1, 2, 3])
        check(sorted(before[0] + before[1]) == sorted(written), "groups differ before restart")
        check(emu.stop() == 0, "clean stop")

        emu = Emulator("--data-dir", data, logstores=("app:2",))
        check(all_groups(emu, [0, 1, 2, 3]) == before, "groups differ after a clean restart")
        shards = emu.json("GET", "/logstores/app/shards")
        check([s["status"] for s in shards] == ["readwrite", "readonly", "readwrite", "readwrite"], "shards %s" % shards)
        check(emu.json("GET", "/logstores/app/consumergroups") == [{"name": "cg", "timeout": 45, "order": False}],
              "consumer group lost")
        cp = emu.json("GET", "/logstores/app/consumergroups/cg?shard=1")
        check(cp[0]["checkpoint"] == cursor(9) and cp[0]["consumer"] == "x", "checkpoint lost: %s" % cp)

        # Acknowledged writes also survive a crash.
        extra = encode_group([(T0 + 1000, [("msg", "after restart")])])
        emu.put("app", extra, target="2")
        emu.stop(signal.SIGKILL)
        emu = Emulator("--data-dir", data, logstores=("app:2",))
        groups, _ = emu.pull("app", 2, 0)
        check(groups == before[2] + [extra], "write acknowledged before kill -9 is missing")
        check(emu.stop() == 0, "clean stop")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print("emulator_persist_test: ok")


if __name__ == "__main__":
    main()
