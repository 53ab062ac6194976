#!/usr/bin/env bash
# Consume throughput: 4 shards -> /dev/null, jsonl and raw, on one core.
# Prints MB/s (of decompressed LogGroupList bytes pulled, and of output),
# logs/s, CPU-s/GB, MB per CPU-second (what one core sustains when the
# server is not the limit: the emulator shares this machine) and peak RSS, then the same for a peer in the same run:
# a python3 pull loop (stdlib only: deflate replies, hand-decoded protobuf,
# json.dumps per log, i.e. what the official Python SDK's pull + flatten
# does, without its C extensions) and the official npm `aliyun-sdk` pull
# loop (installed with npm into ~/.cache/slsflow-bench when missing), and
# prints the ratios.
#
#   scripts/bench_consume.sh [BUILD_DIR]      env: BENCH_MB (default 256)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-${SLSFLOW_BUILD_DIR:-$here/build}}
bin=${SLSFLOW_BIN:-$build/slsflow}
mb=${BENCH_MB:-256}
work=$(mktemp -d /tmp/slsflow-bench-consume.XXXXXX)
source "$here/scripts/lib/emulator.sh"
cleanup() { stop_emulator; rm -rf "$work"; }
trap cleanup EXIT

ncpu=$(nproc)
core_consumer=0
core_emulator=$((ncpu > 1 ? 1 : 0))

EMU_CPU=$core_emulator start_emulator "$bin" "$work" --project demo --logstore app:4 --no-auth || exit 1
url=$EMU_URL

python3 - "$url" "$mb" "$work/sample.pb" <<'EOF'
# Fill: ~MB of logs spread evenly over the 4 shards, 100 KB groups of ~200 B logs.
# The pool of groups, as one LogGroupList, goes to the sample file for the ceiling.
import hashlib, http.client, random, sys, time
url, mb, sample = sys.argv[1], int(sys.argv[2]), sys.argv[3]
host, port = url.split("//")[1].rsplit(":", 1)
def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F; n >>= 7
        if n: out.append(b | 0x80)
        else: out.append(b); return bytes(out)
def fb(num, data):
    return varint(num << 3 | 2) + varint(len(data)) + data
rng = random.Random(1)
words = [("w%d" % i).encode() * rng.randrange(1, 4) for i in range(500)]
def group(seed):
    r = random.Random(seed); body = b""; t = int(time.time())
    for i in range(500):
        log = varint(1 << 3) + varint(t)
        for k, v in ((b"level", r.choice([b"info", b"warn", b"error"])), (b"host", b"web-%02d" % r.randrange(40)),
                     (b"latency_ms", str(r.randrange(1, 5000)).encode()),
                     (b"content", b" ".join(r.choice(words) for _ in range(14)))):
            log += fb(2, fb(1, k) + fb(2, v))
        body += fb(1, log)
    return body + fb(3, b"bench")
pool = [group(s) for s in range(16)]
open(sample, "wb").write(b"".join(fb(1, g) for g in pool))
conn = http.client.HTTPConnection(host, int(port))
sent, i = 0, 0
while sent < mb << 20:
    body = pool[i % len(pool)]
    key = "%02x" % ((i % 4) * 64 + 1) + "0" * 30
    conn.putrequest("POST", "/logstores/app/shards/route?key=" + key, skip_host=True, skip_accept_encoding=True)
    for k, v in (("Host", "demo.%s:%s" % (host, port)), ("x-log-apiversion", "0.6.0"),
                 ("x-log-bodyrawsize", str(len(body))), ("Content-Length", str(len(body))),
                 ("Content-Type", "application/x-protobuf"), ("Content-MD5", hashlib.md5(body).hexdigest().upper()),
                 ("Date", time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime()))):
        conn.putheader(k, v)
    conn.endheaders(); conn.send(body)
    resp = conn.getresponse(); resp.read()
    if resp.status != 200: sys.exit("put failed: %d" % resp.status)
    sent += len(body); i += 1
print("filled %.0f MB in %d groups" % (sent / 2**20, i), file=sys.stderr)
EOF

# One measured run: prints "label MB/s_in MB/s_out logs/s cpu_s_per_gb rss_mb".
measure() {
  local label=$1; shift
  local stats=$work/$label.stats tim=$work/$label.time
  taskset -c "$core_consumer" "$here/scripts/lib/measure.py" "$tim" "$@" >/dev/null 2>"$stats"
  python3 - "$label" "$stats" "$tim" <<'EOF'
import re, sys
label, stats, tim = sys.argv[1:]
text = open(stats).read()
m = re.search(r"consumed (\d+) logs \((\d+) read\), (\d+) bytes in ([\d.]+) s.*?([\d.]+) MB/s pulled", text)
if not m: sys.exit("%s: no stats line in %r" % (label, text[-500:]))
logs, outb, secs = int(m.group(1)), int(m.group(3)), float(m.group(4))
wall, user, sys_, rss = open(tim).read().split()[-4:]
cpu = float(user) + float(sys_)
raw = float(re.search(r"RAWBYTES=(\d+)", text).group(1)) if "RAWBYTES=" in text else float(m.group(5)) * 1e6 * secs
print("%-14s %9.1f %9.1f %11.0f %9.2f %9.1f %8.1f" % (label, raw / 1e6 / float(wall), outb / 1e6 / float(wall),
      logs / float(wall), cpu / (raw / 1e9), raw / 1e6 / max(cpu, 1e-3), int(rss) / 1024))
with open(stats.rsplit("/", 1)[0] + "/results", "a") as f:
    f.write("%s %f\n" % (label, raw / 1e6 / max(cpu, 1e-3)))
EOF
}

echo "4 shards, ${mb} MB of LogGroups, consumer pinned to core $core_consumer, emulator to core $core_emulator"
printf "%-14s %9s %9s %11s %9s %9s %8s\n" run "MB/s in" "MB/s out" "logs/s" "CPU-s/GB" "MB/CPU-s" "RSS MB"
common=(consume --endpoint "$url" -p demo -l app -q --from begin -e --stats --max-per-fetch 1000)
# A warm-up pass, not measured: the emulator compresses each group on its
# first pull and caches it, which must not count against whoever runs first.
"$bin" "${common[@]}" --state "$work/w.state" -f raw --field content >/dev/null 2>&1
echo "machine load: $(cut -d' ' -f1-3 /proc/loadavg) on $ncpu cores (shared: figures are noisy)"
measure slsflow-jsonl "$bin" "${common[@]}" --state "$work/j.state" -f jsonl
measure slsflow-raw "$bin" "${common[@]}" --state "$work/r.state" -f raw --field content
# An older slsflow, measured in the same run (SLSFLOW_BASELINE_BIN).
if [[ -n ${SLSFLOW_BASELINE_BIN:-} ]]; then
  measure baseline-jsonl "$SLSFLOW_BASELINE_BIN" "${common[@]}" --state "$work/bj.state" -f jsonl
  measure baseline-raw "$SLSFLOW_BASELINE_BIN" "${common[@]}" --state "$work/br.state" -f raw --field content
fi

# The peer: a stdlib python pull loop that prints jsonl.
cat >"$work/peer.py" <<'EOF'
import http.client, json, sys, threading, time, zlib
url = sys.argv[1]
host, port = url.split("//")[1].rsplit(":", 1)
out = sys.stdout
lock = threading.Lock()
totals = {"logs": 0, "raw": 0, "out": 0}
def get(conn, path, enc=""):
    conn.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
    for k, v in (("Host", "demo.%s:%s" % (host, port)), ("x-log-apiversion", "0.6.0"), ("Accept-Encoding", enc),
                 ("Date", time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime()))):
        conn.putheader(k, v)
    conn.endheaders()
    r = conn.getresponse(); body = r.read()
    return r, body
def rv(b, i):
    n = s = 0
    while True:
        c = b[i]; i += 1; n |= (c & 0x7F) << s; s += 7
        if c < 0x80: return n, i
def fields(b):
    i = 0
    while i < len(b):
        k, i = rv(b, i); f, w = k >> 3, k & 7
        if w == 0: v, i = rv(b, i)
        elif w == 2: l, i = rv(b, i); v = b[i:i + l]; i += l
        elif w == 5: v = b[i:i + 4]; i += 4
        elif w == 1: v = b[i:i + 8]; i += 8
        yield f, v
def shard(sid):
    conn = http.client.HTTPConnection(host, int(port))
    _, b = get(conn, "/logstores/app/shards/%d?type=cursor&from=begin" % sid)
    cursor = json.loads(b)["cursor"]
    _, b = get(conn, "/logstores/app/shards/%d?type=cursor&from=end" % sid)
    end = json.loads(b)["cursor"]
    from urllib.parse import quote
    while cursor != end:
        r, body = get(conn, "/logstores/app/shards/%d?type=log&count=1000&cursor=%s" % (sid, quote(cursor)), "deflate")
        raw = zlib.decompress(body) if r.getheader("x-log-compresstype") == "deflate" else body
        cursor = r.getheader("x-log-cursor")
        lines, n = [], 0
        for f, g in fields(raw):
            tags, topic, source, logs = {}, "", "", []
            for gf, gv in fields(g):
                if gf == 1: logs.append(gv)
                elif gf == 3: topic = gv.decode()
                elif gf == 4: source = gv.decode()
            for lg in logs:
                rec = {"__topic__": topic, "__source__": source}
                for lf, lv in fields(lg):
                    if lf == 1: rec["__time__"] = lv
                    elif lf == 2:
                        kv = dict(fields(lv)); rec[kv[1].decode()] = kv[2].decode("utf-8", "replace")
                lines.append(json.dumps(rec, ensure_ascii=False)); n += 1
        text = "\n".join(lines) + "\n"
        with lock:
            out.write(text); totals["logs"] += n; totals["raw"] += len(raw); totals["out"] += len(text)
t0 = time.time()
ts = [threading.Thread(target=shard, args=(i,)) for i in range(4)]
[t.start() for t in ts]; [t.join() for t in ts]
secs = time.time() - t0
print("consumed %d logs (%d read), %d bytes in %.3f s (x) RAWBYTES=%d 0 MB/s pulled" % (
    totals["logs"], totals["logs"], totals["out"], secs, totals["raw"]), file=sys.stderr)
EOF
measure python-peer python3 "$work/peer.py" "$url"

# The official npm SDK (aliyun-sdk: pomelo-protobuf decode, deflate replies)
# pulling all 4 shards concurrently and printing jsonl, if npm can fetch it.
peer_dir=${XDG_CACHE_HOME:-$HOME/.cache}/slsflow-bench/aliyun-sdk
if command -v node >/dev/null && command -v npm >/dev/null; then
  if [[ ! -d $peer_dir/node_modules/aliyun-sdk ]]; then
    mkdir -p "$peer_dir"
    (cd "$peer_dir" && npm install --no-audit --no-fund aliyun-sdk@1.12.10 >/dev/null 2>&1) ||
      echo "aliyun-sdk: npm install failed; skipping that peer" >&2
  fi
  if [[ -d $peer_dir/node_modules/aliyun-sdk ]]; then
    cat >"$work/peer.js" <<'EOF'
const ALY = require(process.argv[3] + '/node_modules/aliyun-sdk');
const url = process.argv[2];
const sls = new ALY.SLS({accessKeyId: 'testid', secretAccessKey: 'testsecret', endpoint: url, apiVersion: '2015-06-01'});
let logs = 0, raw = 0, outBytes = 0;
const t0 = Date.now();
function call(fn, params) {
  return new Promise((res, rej) => sls[fn](params, (e, d) => (e ? rej(e) : res(d))));
}
async function shard(id) {
  const base = {projectName: 'demo', logStoreName: 'app', ShardId: id};
  let cursor = (await call('getCursor', Object.assign({FromTime: 0}, base))).body.cursor;
  for (;;) {
    const d = await call('batchGetLogs', Object.assign({cursor: cursor, count: 1000}, base));
    raw += Number(d.headers['x-log-bodyrawsize'] || 0);
    const groups = (d.body && d.body.logGroupList) || [];
    const lines = [];
    for (const g of groups) {
      for (const l of g.logs || []) {
        const rec = {__time__: l.time, __topic__: g.topic || '', __source__: g.source || ''};
        for (const c of l.contents || []) rec[c.key] = c.value;
        lines.push(JSON.stringify(rec));
      }
    }
    if (lines.length) {
      const text = lines.join('\n') + '\n';
      process.stdout.write(text);
      outBytes += Buffer.byteLength(text);
      logs += lines.length;
    }
    if (Number(d.headers['x-log-count']) === 0) break;
    cursor = d.headers['x-log-cursor'];
  }
}
Promise.all([0, 1, 2, 3].map(shard)).then(() => {
  const secs = (Date.now() - t0) / 1000;
  process.stderr.write(`consumed ${logs} logs (${logs} read), ${outBytes} bytes in ${secs.toFixed(3)} s (x) RAWBYTES=${raw} 0 MB/s pulled\n`);
}, (e) => { process.stderr.write('peer failed: ' + (e.message || e) + '\n'); process.exit(1); });
EOF
    measure aliyun-sdk-peer node "$work/peer.js" "$url" "$peer_dir"
  fi
fi

echo
python3 - "$work" <<'EOF'
import os, sys
w = sys.argv[1]
def wall(label):
    return float(open("%s/%s.time" % (w, label)).read().split()[-4])
def cpu(label):
    parts = open("%s/%s.time" % (w, label)).read().split()[-4:]
    return float(parts[1]) + float(parts[2])
for peer in ("python-peer", "aliyun-sdk-peer"):
    if os.path.exists("%s/%s.time" % (w, peer)):
        print("ratio slsflow jsonl vs %s: %.1fx faster (wall %.2f s vs %.2f s), %.1fx less CPU" % (
            peer, wall(peer) / wall("slsflow-jsonl"), wall("slsflow-jsonl"), wall(peer),
            cpu(peer) / max(cpu("slsflow-jsonl"), 1e-3)))
EOF

# The one-core ceiling on the same groups (lz4 + decode + format, one
# thread, nothing in between) and how close the real binary comes to it.
ceiling_bin=$build/tests/consume_format_perftest
if [[ -x $ceiling_bin ]]; then
  taskset -c "$core_consumer" "$ceiling_bin" --ceiling "$work/sample.pb" content | tee "$work/ceiling"
  python3 - "$work" <<'EOF'
import re, sys
w = sys.argv[1]
measured = {l.split()[0]: float(l.split()[1]) for l in open(w + "/results")}
for line in open(w + "/ceiling"):
    m = re.match(r"ceiling (\w+)\s+([\d.]+)", line)
    for who in ("slsflow", "baseline"):
        label = "%s-%s" % (who, m.group(1))
        if label in measured:
            print("ratio %-14s / one-core ceiling = %.2f (%.0f of %.0f MB/CPU-s%s)" % (
                label, measured[label] / float(m.group(2)), measured[label], float(m.group(2)),
                "; target 0.85" if m.group(1) == "jsonl" else ""))
EOF
else
  echo "ceiling skipped: $ceiling_bin not built (scripts/build.sh builds it)"
fi

# The scale table (shards x group size at default flags): peak RSS and MB/s
# per core, rows compared with the first. BENCH_SCALE=0 skips it.
if [[ ${BENCH_SCALE:-1} != 0 ]]; then
  echo
  "$here/scripts/bench_consume_scale.sh" "$build"
fi
