// Drives the official Node SDKs against `slsflow emulator` (started by
// emulator_sdk_test.sh with keys testid/testsecret, project demo, logstore
// app:2). Usage: node emulator_sdk_driver.js PORT. Exits non-zero on the
// first mismatch. Name resolution of "<project>.127.0.0.1" is patched in
// this process only, as the golden capture drivers did.
'use strict';
const assert = require('assert');
const dns = require('dns');
const http = require('http');
const path = require('path');

const port = Number(process.argv[2]);
const moduleDir = process.env.SDK_NODE_MODULES;
const need = (name) => require(path.join(moduleDir, name));

const realLookup = dns.lookup;
dns.lookup = function (hostname, options, callback) {
  if (/\.(127\.0\.0\.1|localhost)$/.test(hostname)) hostname = '127.0.0.1';
  return realLookup.call(dns, hostname, options, callback);
};

const CURSOR_BASE = 1600000000000000000n;
// SLS (and the emulator) take log times within [now - 168 h, now + 15 min].
const T0 = Math.floor(Date.now() / 1000) - 3600;
const cursorOf = (offset) => Buffer.from((CURSOR_BASE + BigInt(offset)).toString()).toString('base64');
const pify = (fn) => new Promise((resolve, reject) => fn((err, data) => (err ? reject(err) : resolve(data))));
let checks = 0;
const eq = (actual, expected, what) => {
  assert.deepStrictEqual(actual, expected, what);
  checks++;
};

// Three groups with non-ASCII values, two keys each, topic, source and a tag.
function sampleLogs(base, tag) {
  return [0, 1, 2].map((i) => ({
    time: base + i,
    contents: [
      { key: 'level', value: ['info', 'warn', 'error'][i] },
      { key: 'msg', value: `hello ${i} é中 ${tag}` },
    ],
  }));
}

async function aliyunSdk() {
  const ALY = need('aliyun-sdk');
  const opts = { accessKeyId: 'testid', secretAccessKey: 'testsecret', endpoint: `http://127.0.0.1:${port}`, apiVersion: '2015-06-01' };
  const sls = new ALY.SLS(opts);
  // Its parameter schema rejects 'begin'/'end' and LogTags: the golden
  // drivers used a second client without validation for those calls.
  const loose = new ALY.SLS(Object.assign({ paramValidation: false }, opts));
  const base = { projectName: 'demo', logStoreName: 'app' };

  const shards = await pify((cb) => sls.listShards(base, cb));
  eq(Object.keys(shards.body).length, 2, 'aliyun-sdk listShards');

  const groups = [];
  for (let g = 0; g < 2; g++) {
    const logGroup = { logs: sampleLogs(T0 + 10 * g, `g${g}`), topic: `topic-${g}`, source: '10.0.0.1',
      LogTags: [{ Key: 'env', Value: 'test' }, { Key: 'group', Value: String(g) }] };
    groups.push(logGroup);
    await pify((cb) => loose.putLogs(Object.assign({ logGroup }, base), cb));
  }
  // Load-balanced: one group per shard. Pull both and compare exactly.
  const seen = [];
  for (const shard of [0, 1]) {
    const begin = await pify((cb) => loose.getCursor(Object.assign({ ShardId: shard, FromTime: 'begin' }, base), cb));
    eq(begin.body.cursor, cursorOf(0), 'aliyun-sdk getCursor begin');
    const end = await pify((cb) => loose.getCursor(Object.assign({ ShardId: shard, FromTime: 'end' }, base), cb));
    eq(end.body.cursor, cursorOf(1), 'aliyun-sdk getCursor end');
    const byTime = await pify((cb) => sls.getCursor(Object.assign({ ShardId: shard, FromTime: 1000000000 }, base), cb));
    eq(byTime.body.cursor, cursorOf(0), 'aliyun-sdk getCursor by time');
    const pulled = await pify((cb) => sls.batchGetLogs(Object.assign({ ShardId: shard, cursor: begin.body.cursor, count: 100 }, base), cb));
    eq(pulled.headers['x-log-count'], '1', 'aliyun-sdk batchGetLogs count');
    eq(pulled.headers['x-log-cursor'], end.body.cursor, 'aliyun-sdk batchGetLogs next cursor');
    seen.push(...pulled.body.logGroupList);
  }
  seen.sort((a, b) => a.topic.localeCompare(b.topic));
  for (let g = 0; g < 2; g++) {
    const got = seen[g];
    eq(got.topic, groups[g].topic, 'topic');
    eq(got.source, groups[g].source, 'source');
    eq(got.LogTags, groups[g].LogTags, 'tags');
    eq(got.logs.map((l) => ({ time: l.time, contents: l.contents })), groups[g].logs, 'logs: time, keys, values');
  }

  const split = await pify((cb) => sls.splitShard(Object.assign({ ShardId: 1, HashKey: 'c0000000000000000000000000000000' }, base), cb));
  eq(Object.values(split.body).map((s) => [s.shardID, s.status]), [[1, 'readonly'], [2, 'readwrite'], [3, 'readwrite']], 'aliyun-sdk splitShard');
  const merged = await pify((cb) => sls.mergeShards(Object.assign({ ShardId: 2 }, base), cb));
  eq(Object.values(merged.body).map((s) => [s.shardID, s.status]), [[4, 'readwrite'], [2, 'readonly'], [3, 'readonly']], 'aliyun-sdk mergeShards');
  eq(merged.body['0'].inclusiveBeginKey, '80000000000000000000000000000000', 'merged range begin');
  eq(merged.body['0'].exclusiveEndKey, 'ffffffffffffffffffffffffffffffff', 'merged range end');
}

function pullRaw(project, logstore, shard, cursor) {
  return new Promise((resolve, reject) => {
    // The emulator checks signatures: sign v1 here as @alicloud/log does
    // (the resource uses the decoded query values).
    const crypto = require('crypto');
    const date = new Date().toUTCString();
    const p = `/logstores/${logstore}/shards/${shard}`;
    const query = `count=100&cursor=${cursor}&type=log`;
    const headers = { 'x-log-apiversion': '0.6.0', 'x-log-bodyrawsize': '0', 'x-log-signaturemethod': 'hmac-sha1' };
    const canon = Object.keys(headers).sort().map((k) => `${k}:${headers[k]}\n`).join('');
    const sts = `GET\n\n\n${date}\n${canon}${p}?${query}`;
    const sig = crypto.createHmac('sha1', 'testsecret').update(sts).digest('base64');
    const req = http.request({ host: '127.0.0.1', port, method: 'GET', path: `${p}?count=100&cursor=${encodeURIComponent(cursor)}&type=log`,
      headers: Object.assign({ Host: `${project}.127.0.0.1:${port}`, Date: date, Authorization: `LOG testid:${sig}`, 'Accept-Encoding': '' }, headers) },
    (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function alicloudLog() {
  const Client = need('@alicloud/log');
  const client = new Client({ accessKeyId: 'testid', accessKeySecret: 'testsecret', endpoint: `http://127.0.0.1:${port}` });
  const project = await client.getProject('demo');
  eq(project.projectName, 'demo', '@alicloud/log getProject');
  await client.createLogStore('demo', 'nodestore', { ttl: 3, shardCount: 1 });
  const stores = await client.listLogStore('demo');
  assert(stores.logstores.includes('nodestore'));
  const ls = await client.getLogStore('demo', 'nodestore');
  eq([ls.logstoreName, ls.ttl, ls.shardCount], ['nodestore', 3, 1], '@alicloud/log getLogStore');

  const logs = [0, 1, 2].map((i) => ({ timestamp: T0 + 100 + i, timestampNsPart: 111 * (i + 1),
    content: { level: 'info', msg: `node ${i} é中`, empty: '' } }));
  await client.postLogStoreLogs('demo', 'nodestore', { logs, topic: 'topic-n', source: '10.0.0.9', tags: [{ env: 'test' }, { team: 'x' }] });

  // @alicloud/log has no pull API: read back over plain HTTP and decode with
  // protobufjs (its own dependency), TimeNs included.
  const protobuf = need('protobufjs');
  const root = protobuf.Root.fromJSON({ nested: {
    LogContent: { fields: { Key: { type: 'string', id: 1 }, Value: { type: 'string', id: 2 } } },
    Log: { fields: { Time: { type: 'uint32', id: 1 }, Contents: { rule: 'repeated', type: 'LogContent', id: 2 }, TimeNs: { type: 'fixed32', id: 4 } } },
    LogTag: { fields: { Key: { type: 'string', id: 1 }, Value: { type: 'string', id: 2 } } },
    LogGroup: { fields: { Logs: { rule: 'repeated', type: 'Log', id: 1 }, Topic: { type: 'string', id: 3 }, Source: { type: 'string', id: 4 }, LogTags: { rule: 'repeated', type: 'LogTag', id: 6 } } },
    LogGroupList: { fields: { LogGroups: { rule: 'repeated', type: 'LogGroup', id: 1 } } },
  } });
  const r = await pullRaw('demo', 'nodestore', 0, cursorOf(0));
  eq(r.status, 200, 'raw pull status');
  eq(r.headers['x-log-count'], '1', 'raw pull count');
  const list = root.lookupType('LogGroupList').toObject(root.lookupType('LogGroupList').decode(r.body));
  const g = list.LogGroups[0];
  eq(g.Topic, 'topic-n', 'topic');
  eq(g.Source, '10.0.0.9', 'source');
  eq(g.LogTags, [{ Key: 'env', Value: 'test' }, { Key: 'team', Value: 'x' }], 'tags');
  eq(g.Logs.map((l) => [l.Time, l.TimeNs, l.Contents.map((c) => [c.Key, c.Value])]),
    logs.map((l) => [l.timestamp, l.timestampNsPart, Object.entries(l.content)]), 'logs: time, time ns, keys, values');
  await client.deleteLogStore('demo', 'nodestore');
  await assert.rejects(client.getLogStore('demo', 'nodestore'), (e) => e.code === 'LogStoreNotExist');
  checks++;
}

async function sls20201230(v4) {
  const Sls = need('@alicloud/sls20201230');
  const { $OpenApiUtil } = need('@alicloud/openapi-core');
  const config = new $OpenApiUtil.Config({ accessKeyId: 'testid', accessKeySecret: 'testsecret', endpoint: `127.0.0.1:${port}`, protocol: 'http' });
  if (v4) {
    config.signatureVersion = 'v4';
    config.regionId = 'cn-hangzhou';
  }
  const client = new Sls.default(config);
  const tag = v4 ? 'v4' : 'v1';
  const shards = (await client.listShards('demo', 'app')).body;
  assert(shards.length >= 2, `${tag} listShards`);
  const readwrite = shards.filter((s) => s.status === 'readwrite').map((s) => s.shardID);
  const cur = (await client.getCursor('demo', 'app', String(readwrite[0]), new Sls.GetCursorRequest({ from: 'begin' }))).body;
  eq(cur.cursor, cursorOf(0), `${tag} getCursor`);

  const cg = `cg-${tag}`;
  await client.createConsumerGroup('demo', 'app', new Sls.CreateConsumerGroupRequest({ consumerGroup: cg, timeout: 10, order: false }));
  await assert.rejects(client.createConsumerGroup('demo', 'app', new Sls.CreateConsumerGroupRequest({ consumerGroup: cg, timeout: 10, order: false })),
    (e) => e.code === 'ConsumerGroupAlreadyExist');
  await client.updateConsumerGroup('demo', 'app', cg, new Sls.UpdateConsumerGroupRequest({ order: true, timeout: 20 }));
  const groups = (await client.listConsumerGroup('demo', 'app')).body.filter((g) => g.name === cg);
  eq(groups.map((g) => [g.name, g.timeout, g.order]), [[cg, 20, true]], `${tag} listConsumerGroup`);

  const beat = async (consumer, held) =>
    (await client.consumerGroupHeartBeat('demo', 'app', cg, new Sls.ConsumerGroupHeartBeatRequest({ consumer, body: held }))).body;
  const first = await beat('c1', []);
  assert(first.length >= 1, `${tag} heartbeat assigns shards`);
  const shard = first[0];
  await client.consumerGroupUpdateCheckPoint('demo', 'app', cg,
    new Sls.ConsumerGroupUpdateCheckPointRequest({ consumer: 'c1', forceSuccess: false, shard, checkpoint: cursorOf(1) }));
  await assert.rejects(client.consumerGroupUpdateCheckPoint('demo', 'app', cg,
    new Sls.ConsumerGroupUpdateCheckPointRequest({ consumer: 'intruder', forceSuccess: false, shard, checkpoint: cursorOf(0) })),
  (e) => e.code === 'ConsumerNotExist');
  const cps = (await client.getCheckPoint('demo', 'app', cg, new Sls.GetCheckPointRequest({ shard: -1 }))).body;
  const mine = cps.find((c) => c.shard === shard);
  eq([mine.checkpoint, mine.consumer], [cursorOf(1), 'c1'], `${tag} getCheckPoint`);
  assert(mine.updateTime > 1e15, 'updateTime is in microseconds');
  eq(cps.length, shards.length, 'one checkpoint entry per shard');
  await client.deleteConsumerGroup('demo', 'app', cg);

  if (!v4) {
    const split = (await client.splitShard('demo', 'app', String(readwrite[0]), new Sls.SplitShardRequest({ key: '40000000000000000000000000000000' }))).body;
    eq(split.length, 3, 'sls20201230 splitShard');
    eq(split[0].status, 'readonly', 'parent readonly');
    const merged = (await client.mergeShard('demo', 'app', String(split[1].shardID))).body;
    eq(merged.map((s) => s.status), ['readwrite', 'readonly', 'readonly'], 'sls20201230 mergeShard');
  }
}

(async () => {
  await aliyunSdk();
  await alicloudLog();
  await sls20201230(false);
  await sls20201230(true);
  console.log(`emulator_sdk_driver: ok (${checks} checks)`);
})().catch((e) => {
  console.error('emulator_sdk_driver: FAIL', e && (e.stack || e));
  process.exit(1);
});
