#!/usr/bin/env python3
"""Runs a command and writes "wall user sys maxrss_kb" to a file: GNU time's
-f "%e %U %S %M" (the same wait4 figures) but to the microsecond. At 0.6 s
a run, time's 10 ms steps were a 1.7% step in MB/s, enough to decide a
target either way.

    measure.py OUTFILE CMD [ARGS...]      exits with the command's status
"""
import os
import sys
import time

out, cmd = sys.argv[1], sys.argv[2:]
start = time.monotonic()
pid = os.posix_spawnp(cmd[0], cmd, os.environ)
# wait4's figures for this child, as GNU time reports them. (getrusage of
# all children sums per-thread rounding and reads a few % high.)
_, status, usage = os.wait4(pid, 0)
wall = time.monotonic() - start
with open(out, "w") as f:
    f.write("%.6f %.6f %.6f %d\n" % (wall, usage.ru_utime, usage.ru_stime, usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
