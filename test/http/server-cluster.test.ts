// `Server` is a net.Server, so node:cluster shares its listening socket between workers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import cluster from 'node:cluster';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '../support/paths.js';
import { rawExchange } from '../support/node-vs-trama.js';

test('two cluster workers serve on one port', async () => {
  const entry = pathToFileURL(join(REPO_ROOT, 'build/src/index.js')).href;
  const dir = mkdtempSync(join(tmpdir(), 'trama-cluster-'));
  const worker = join(dir, 'worker.mjs');
  writeFileSync(
    worker,
    `import { createServer } from ${JSON.stringify(entry)};
     const server = createServer((req, res) => res.end('worker ' + process.pid));
     server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
     process.on('message', (m) => { if (m === 'stop') server.close(() => process.exit(0)); });`,
  );
  cluster.setupPrimary({ exec: worker, silent: true });
  const workers = [cluster.fork(), cluster.fork()];
  const ports = await Promise.all(workers.map((w) => new Promise<number>((resolve) => w.once('message', (m: { port: number }) => resolve(m.port)))));
  assert.equal(ports[0], ports[1], 'the workers share one listening port');
  const pids = new Set<string>();
  for (let i = 0; i < 20 && pids.size < 2; i++) {
    const ex = await rawExchange(ports[0]!, ['GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n']);
    const m = /worker (\d+)$/.exec(ex.text);
    assert.ok(m, ex.text);
    pids.add(m[1]!);
  }
  assert.equal(pids.size, 2, 'both workers answered');
  await Promise.all(workers.map((w) => new Promise<void>((resolve) => { w.once('exit', () => resolve()); w.send('stop'); })));
});
