// `trama serve` as a process: start-up line, access log, the demo site of `npm start` with its
// live stream, graceful shutdown on SIGTERM with a response in flight, workers, and start-up
// failures as one line.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/paths.js';
import { RUN_GUARD_MS, errorLines, fetchWith, makeFixture, runTrama, startServeProcess, waitForOutput, type Fixture } from './support.js';

let fx: Fixture;
before(() => {
  fx = makeFixture();
  // Large enough that a client that stops reading keeps the response in flight.
  writeFileSync(join(fx.root, 'huge.bin'), Buffer.alloc(32 * 1024 * 1024, 0x62));
});
after(() => fx.cleanup());

/**
 * Two connections to a server: an idle keep-alive one that already had its answer, and a slow
 * reader of /huge.bin that took the head and the first bytes, then stopped reading.
 * `readRest()` reads on to the server's end and gives the body bytes received in all.
 */
async function idleAndSlowConnections(port: number): Promise<{ idleClosed: Promise<unknown>; readRest: () => Promise<number> }> {
  const idle = connect(port, '127.0.0.1');
  idle.write(`GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n`);
  await once(idle, 'data');
  const idleClosed = once(idle, 'close');
  const slow = connect(port, '127.0.0.1');
  slow.write(`GET /huge.bin HTTP/1.1\r\nHost: x\r\n\r\n`);
  const [first] = (await once(slow, 'data')) as [Buffer];
  slow.pause();
  const headLength = first.indexOf('\r\n\r\n') + 4;
  assert.ok(headLength > 4 && first.subarray(0, headLength).toString('latin1').startsWith('HTTP/1.1 200 OK'));
  const readRest = async (): Promise<number> => {
    let bytes = first.length - headLength;
    slow.on('data', (c: Buffer) => (bytes += c.length));
    slow.resume();
    await once(slow, 'end');
    return bytes;
  };
  return { idleClosed, readRest };
}

describe('serve as a process', { concurrency: true }, () => {
  test('--help, --version, no command', async () => {
    const h = await runTrama(['serve', '--help']);
    assert.equal(h.code, 0);
    assert.match(h.stdout.toString(), /^Usage: trama serve \[dir\]/);
    const g = await runTrama(['get', '--help']);
    assert.equal(g.code, 0);
    assert.match(g.stdout.toString(), /^Usage: trama get URL/);
    assert.match((await runTrama(['--help'])).stdout.toString(), /serve \[dir\][\s\S]*get URL/);
    const v = await runTrama(['--version']);
    assert.match(v.stdout.toString(), /^trama \d+\.\d+\.\d+\n$/);
    const none = await runTrama([]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /^Usage: trama <command>/);
  });

  test('a missing folder and a port in use: one line each, non-zero', async () => {
    const missing = await runTrama(['serve', join(fx.base, 'nope'), '--port', '0']);
    assert.equal(missing.code, 2);
    assert.deepEqual(errorLines(missing.stderr), [`trama: cannot serve ${join(fx.base, 'nope')}: no such folder`]);
    const holder = createNetServer();
    holder.listen(0, '127.0.0.1');
    await once(holder, 'listening');
    const busy = (holder.address() as AddressInfo).port;
    try {
      const r = await runTrama(['serve', fx.root, '--port', String(busy)]);
      assert.equal(r.code, 1);
      assert.deepEqual(errorLines(r.stderr), [`trama: cannot listen on 127.0.0.1:${busy}: the port is in use (choose another with --port)`]);
      // With workers, each fails alike, and still one line comes out (the primary's).
      const w = await runTrama(['serve', fx.root, '--port', String(busy), '--workers', '2']);
      assert.equal(w.code, 1);
      assert.deepEqual(errorLines(w.stderr), [`trama: cannot listen on 127.0.0.1:${busy}: the port is in use (choose another with --port)`]);
    } finally {
      holder.close();
    }
  });

  test("the demo page's terminal commands work as written (npx trama = node bin/trama.js)", async () => {
    const s = await startServeProcess([join(REPO_ROOT, 'examples', 'site'), '--port', '0', '--quiet']);
    try {
      const html = readFileSync(join(REPO_ROOT, 'examples', 'site', 'index.html'), 'utf8');
      const box = /<pre class="commands">([\s\S]*?)<\/pre>/.exec(html);
      assert.ok(box, 'the page has its commands box');
      const unescape = (t: string): string => t.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
      // app.js puts the page's own origin where the page says http://127.0.0.1:8080.
      const commands = [...box[1]!.matchAll(/<code>([\s\S]*?)<\/code>/g)].map((m) => unescape(m[1]!).replaceAll('http://127.0.0.1:8080', `http://127.0.0.1:${s.port}`));
      assert.ok(commands.length >= 4, commands.join('\n'));
      const curlMissing = spawnSync('sh', ['-c', 'command -v curl']).status !== 0;
      for (const command of commands) {
        assert.match(command, /^(npx trama get|curl) /, command);
        if (command.startsWith('curl') && curlMissing) continue;
        const line = command.replace(/^npx trama /, `${JSON.stringify(process.execPath)} bin/trama.js `);
        const child = spawn('sh', ['-c', line], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (c: Buffer) => (out += c.toString('latin1')));
        child.stderr.resume();
        const [code] = (await once(child, 'close')) as [number | null];
        assert.equal(code, 0, command);
        assert.ok(out.length > 0, `${command}: printed nothing`);
      }
    } finally {
      s.signal('SIGTERM');
      await s.exitWithin(30_000);
    }
  });

  test('npm start: the demo site, its assets, and the live stream', async () => {
    const s = await startServeProcess([join(REPO_ROOT, 'examples', 'site'), '--port', '0']);
    try {
      assert.match(s.output(), /^trama serve: \S+examples\/site on trama's HTTP\/1\.1 server$/m);
      const page = await fetchWith(s.port, '/');
      assert.equal(page.status, 200);
      const html = page.body.toString();
      for (const asset of ['style.css', 'logo.svg', 'app.js']) {
        assert.ok(html.includes(asset), `the page links ${asset}`);
        const r = await fetchWith(s.port, `/${asset}`);
        assert.equal(r.status, 200, asset);
      }
      assert.equal((await fetchWith(s.port, '/logo.svg')).headers['content-type'], 'image/svg+xml; charset=utf-8');
      // The live endpoint: an event stream whose first events are a clock and a counter.
      const events = await new Promise<string>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: s.port, path: '/__trama/events', headers: { accept: 'text/event-stream' } }, (res) => {
          assert.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8');
          let text = '';
          res.on('data', (c: Buffer) => {
            text += c.toString();
            if (text.includes('event: counter')) {
              req.destroy();
              resolve(text);
            }
          });
        });
        req.on('error', reject);
        req.end();
      });
      assert.match(events, /event: clock\ndata: \{"now":"\d{4}-\d\d-\d\dT/);
      assert.match(events, /event: counter\nid: \d+\ndata: \{"count":\d+/);
      // One access-log line per request on stdout.
      await waitForOutput(s.child, (t) => /"GET \/__trama\/events HTTP\/1\.1" 200/.test(t), s.output());
      assert.match(s.output(), /^127\.0\.0\.1 - - \[[^\]]+\] "GET \/ HTTP\/1\.1" 200 \d+ "-" "-" \d+\.\dms$/m);
    } finally {
      s.signal('SIGTERM');
      await s.exitWithin(RUN_GUARD_MS);
    }
  });

  test('SIGTERM: no new connections, the in-flight response finishes, idle sockets close, exit 0', async () => {
    // A long grace: on a loaded machine the 32 MiB must not race the default 10 s.
    const s = await startServeProcess([fx.root, '--port', '0', '--quiet', '--grace', '120']);
    const { idleClosed, readRest } = await idleAndSlowConnections(s.port);
    s.signal('SIGTERM');
    await waitForOutput(s.child, (t) => t.includes('shutting down'), s.output());
    await idleClosed;
    // New connections are refused once shutdown began.
    const refused = await new Promise<string>((resolve) => {
      const c = connect(s.port, '127.0.0.1');
      c.once('connect', () => {
        c.destroy();
        resolve('connected');
      });
      c.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });
    assert.equal(refused, 'ECONNREFUSED');
    // Reading again: the whole 32 MiB body arrives, then the server closes the connection.
    const bytes = await readRest();
    // The exit code once stdout and stderr are fully read.
    assert.equal(await s.exitWithin(60_000), 0);
    assert.equal(bytes, 32 * 1024 * 1024, 'the whole body arrived after SIGTERM');
    assert.match(s.output(), /trama serve: stopped/);
  });

  test('--grace crossed: a response that cannot finish is cut, exit 1 with one line', async () => {
    const s = await startServeProcess([fx.root, '--port', '0', '--quiet', '--grace', '0.3']);
    const stuck = connect(s.port, '127.0.0.1');
    stuck.write(`GET /huge.bin HTTP/1.1\r\nHost: x\r\n\r\n`);
    await once(stuck, 'data');
    stuck.pause(); // never reads again
    s.signal('SIGTERM');
    assert.equal(await s.exitWithin(RUN_GUARD_MS), 1);
    // Reading again: what was buffered, then the cut (the server closed it before the end).
    let bytes = 0;
    stuck.on('data', (c: Buffer) => (bytes += c.length));
    stuck.on('error', () => undefined);
    stuck.resume();
    await once(stuck, 'close');
    assert.ok(bytes < 32 * 1024 * 1024, 'the body was cut short');
    assert.deepEqual(errorLines(s.errors()), ['trama: shutdown grace period over, cutting 1 unfinished response(s)']);
  });

  test('--workers 2: serves, prints the URL once, stops cleanly on SIGTERM', async () => {
    const s = await startServeProcess([fx.root, '--port', '0', '--workers', '2', '--quiet']);
    try {
      for (let i = 0; i < 6; i++) assert.equal((await fetchWith(s.port, '/hello.txt')).body.toString(), 'hello world\n');
      assert.match(s.output(), /2 workers/);
      assert.equal(s.output().match(/listening on/g)?.length, 1);
    } finally {
      s.signal('SIGTERM');
      assert.equal(await s.exitWithin(RUN_GUARD_MS), 0);
    }
  });

  test('--workers 2: SIGTERM as soon as the URL is printed, while the other worker may still be starting: exit 0', async () => {
    // The URL comes from the first worker up; the shutdown must reach the other one too, however
    // far it got (before the fix its message was lost and it served on forever).
    for (let round = 0; round < 3; round++) {
      const s = await startServeProcess([fx.root, '--port', '0', '--workers', '2', '--quiet', '--grace', '2']);
      s.signal('SIGTERM');
      assert.equal(await s.exitWithin(RUN_GUARD_MS), 0, `round ${round}: ${s.errors()}`);
      assert.match(s.output(), /trama serve: stopped\n$/);
      assert.equal(s.errors(), '');
    }
  });

  test('--workers 2, Ctrl-C to the process group: the in-flight response finishes, the idle socket closes, exit 0', async () => {
    // The terminal signals every process of the group: each worker gets SIGINT and the
    // primary's message, which are one graceful request, not two (a second one cuts).
    const s = await startServeProcess([fx.root, '--port', '0', '--workers', '2', '--quiet', '--grace', '60'], { group: true });
    const { idleClosed, readRest } = await idleAndSlowConnections(s.port);
    s.signal('SIGINT');
    await waitForOutput(s.child, (t) => t.includes('shutting down'), s.output());
    await idleClosed;
    const bytes = await readRest();
    assert.equal(await s.exitWithin(60_000), 0);
    assert.equal(bytes, 32 * 1024 * 1024, 'the whole body arrived after Ctrl-C');
    assert.equal(s.errors(), '');
  });

  test('--workers 2, a second SIGTERM: the workers are cut at once, exit 130', async () => {
    // A grace far beyond the hang guard: an exit within the guard is a cut, not the grace's end.
    const s = await startServeProcess([fx.root, '--port', '0', '--workers', '2', '--quiet', '--grace', '600']);
    const stuck = connect(s.port, '127.0.0.1');
    stuck.on('error', () => undefined);
    stuck.write(`GET /huge.bin HTTP/1.1\r\nHost: x\r\n\r\n`);
    await once(stuck, 'data');
    stuck.pause(); // never reads again: the graceful stop alone would wait the whole grace
    s.signal('SIGTERM');
    await waitForOutput(s.child, (t) => t.includes('shutting down'), s.output());
    s.signal('SIGTERM');
    assert.equal(await s.exitWithin(RUN_GUARD_MS), 130);
    stuck.destroy();
  });
});
