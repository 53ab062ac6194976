#!/usr/bin/env python3
"""One Definition Rule: no two files may define a type of the same name in
namespace slsflow. Two different `struct ReaderOptions` (produce and
consume) once linked into one binary: the linker kept one of their inline
destructors for both, which is undefined behaviour that no test had shown.
GCC's -Wodr sees this only under LTO, too slow for every CI run, so this
scans the sources instead: types at namespace level, outside anonymous
namespaces (whose names are private to their file)."""
import collections
import os
import re
import sys

root = os.environ.get("SLSFLOW_SOURCE_DIR") or os.path.join(os.path.dirname(__file__), "..", "..")
type_def = re.compile(r"^(?:struct|class|union|enum(?: class| struct)?)\s+(?:\[\[[^\]]*\]\]\s*)?(\w+)(?:\s+final)?\s*(?::(?!:)[^;{]*)?\{")
defined = collections.defaultdict(list)
for part in ("core", "cli", "emulator", "tests"):
    for dirpath, _, names in os.walk(os.path.join(root, part)):
        for name in sorted(names):
            if not name.endswith((".h", ".cc")):
                continue
            path = os.path.join(dirpath, name)
            anonymous = 0  # depth of `namespace {` blocks around the current line
            with open(path, encoding="utf-8") as f:
                for number, line in enumerate(f, 1):
                    if re.match(r"^namespace\s*\{", line):
                        anonymous += 1
                    elif re.match(r"^\}\s*//\s*namespace\s*$", line) and anonymous:
                        anonymous -= 1
                    elif not anonymous:
                        m = type_def.match(line)
                        if m:
                            defined[m.group(1)].append("%s:%d" % (os.path.relpath(path, root), number))

clashes = {t: where for t, where in defined.items() if len(where) > 1}
for t, where in sorted(clashes.items()):
    print("FAIL: type '%s' is defined in more than one place: %s (rename one: the linker keeps one set of "
          "its inline members for both)" % (t, ", ".join(where)))
print("%d namespace-level types checked, %d clash(es)" % (len(defined), len(clashes)))
if len(defined) < 50:
    print("FAIL: found only %d types: the scan is broken" % len(defined))
    sys.exit(1)
sys.exit(1 if clashes else 0)
