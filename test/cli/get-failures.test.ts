// `trama get`: redirects, and bad input and failures (one stderr line, curl's exit codes),
// against the local server of get-support.ts and raw sockets that misbehave.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { runTrama } from './support.js';
import { assertOneErrorLine, mark, seenWith, serveRoutes, state, u } from './get-support.js';

serveRoutes();

describe('redirects', { concurrency: true }, () => {
  test('-L follows a chain; without -L the redirect itself is the answer', async () => {
    assert.equal(JSON.parse((await runTrama(['get', '-L', u('/redirect?n=3')])).stdout.toString()).method, 'GET');
    assert.equal((await runTrama(['get', u('/redirect')])).stdout.toString(), 'moved\n');
  });
  test('303 and 302 turn POST into GET without body; 307 and 308 keep both', async () => {
    for (const [status, method, body] of [
      ['303', 'GET', ''],
      ['302', 'GET', ''],
      ['307', 'POST', 'k=v'],
      ['308', 'POST', 'k=v'],
    ] as const) {
      const r = JSON.parse((await runTrama(['get', '-L', '-d', 'k=v', u(`/redirect?status=${status}`)])).stdout.toString());
      assert.equal(r.method, method, status);
      assert.equal(r.body, body, status);
    }
  });
  test('a redirect loop stops at --max-redirs with exit 47', async () => {
    const r = await runTrama(['get', '-L', '--max-redirs', '5', u('/loop')]);
    assert.equal(r.code, 47);
    assertOneErrorLine(r.stderr, /Maximum \(5\) redirects followed/);
  });
  test('-v shows DNS, the new connection, heads, and its reuse after a redirect', async () => {
    const r = await runTrama(['get', '-v', '-L', `http://localhost:${state.port}/redirect`]);
    assert.equal(r.code, 0);
    const e = r.stderr;
    assert.match(e, /^\* Host localhost:\d+ was resolved\.$/m);
    assert.match(e, /^\* IPv4: 127\.0\.0\.1/m);
    assert.match(e, /^\* Connected to localhost \(127\.0\.0\.1\) port \d+ \(connection #0, new\)$/m);
    assert.match(e, /^> GET \/redirect HTTP\/1\.1$/m);
    assert.match(e, /^> Host: localhost:\d+$/m);
    assert.match(e, /^< HTTP\/1\.1 302 Found$/m);
    assert.match(e, /^< Location: \/echo$/m);
    assert.match(e, /^\* Re-using existing connection #0 with host localhost$/m);
    assert.match(e, /^> GET \/echo HTTP\/1\.1$/m);
    assert.match(e, /^\* Connection #0 to host localhost left intact$/m);
    assert.ok(e.indexOf('Connected to') < e.indexOf('> GET /redirect') && e.indexOf('< HTTP/1.1 302') < e.indexOf('Re-using'));
  });
});

describe('bad input and failures: one line, curl exit codes', { concurrency: true }, () => {
  test('header injection in -H → exit 2, nothing sent', async () => {
    const m = mark();
    const r = await runTrama(['get', '-H', 'a: b\r\nc: d', u(`/hello?m=${m}`)]);
    assert.equal(r.code, 2);
    assertOneErrorLine(r.stderr, /header injection refused/);
    assert.deepEqual(seenWith(m), []);
  });
  test('usage mistakes → exit 2', async () => {
    assertOneErrorLine((await runTrama(['get'])).stderr, /needs a URL/);
    const bad = await runTrama(['get', '--bogus', u('/hello')]);
    assert.equal(bad.code, 2);
    assertOneErrorLine(bad.stderr, /unknown option --bogus/);
    assert.equal((await runTrama(['frobnicate'])).code, 2);
  });
  test('unsupported protocol → 1; malformed URL → 3', async () => {
    const ftp = await runTrama(['get', 'ftp://127.0.0.1/']);
    assert.equal(ftp.code, 1);
    assertOneErrorLine(ftp.stderr, /Protocol "ftp" not supported/);
    const bad = await runTrama(['get', 'http://[::1/']);
    assert.equal(bad.code, 3);
    assertOneErrorLine(bad.stderr, /Malformed/);
  });
  test('closed port → exit 7', async () => {
    const probe = createNetServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const closed = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const r = await runTrama(['get', `http://127.0.0.1:${closed}/`]);
    assert.equal(r.code, 7);
    assertOneErrorLine(r.stderr, new RegExp(`Failed to connect to 127\\.0\\.0\\.1 port ${closed}: Connection refused`));
  });
  test('unresolvable host → exit 6', async () => {
    const r = await runTrama(['get', '--max-time', '15', 'http://no-such-host.invalid/']);
    assert.equal(r.code, 6);
    assertOneErrorLine(r.stderr, /Could not resolve host: no-such-host\.invalid/);
  });
  test('--max-time on a server that never answers → exit 28', async () => {
    const r = await runTrama(['get', '--max-time', '0.3', u('/never')]);
    assert.equal(r.code, 28);
    assertOneErrorLine(r.stderr, /Operation timed out after 300 milliseconds/);
  });

  describe('misbehaving servers (raw sockets)', { concurrency: true }, () => {
    let raw: NetServer;
    let rawPort: number;
    before(async () => {
      raw = createNetServer((socket: Socket) => {
        let buf = '';
        socket.on('data', (c: Buffer) => {
          buf += c.toString('latin1');
          if (!buf.includes('\r\n\r\n')) return;
          const path = buf.split(' ')[1];
          if (path === '/cut') socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789');
          else if (path === '/cut-chunked') socket.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
          else if (path === '/empty') socket.destroy();
          else if (path === '/garbage') socket.end('NOT HTTP AT ALL\r\n\r\n');
          else socket.end('HTTP/1.1 204 No Content\r\n\r\n');
        });
        socket.on('error', () => undefined);
      });
      raw.listen(0, '127.0.0.1');
      await once(raw, 'listening');
      rawPort = (raw.address() as AddressInfo).port;
    });
    after(() => new Promise<void>((r) => raw.close(() => r())));

    test('a body cut short (Content-Length) → exit 18, partial output kept', async () => {
      const out = join(state.base, 'partial.bin');
      const r = await runTrama(['get', '-o', out, `http://127.0.0.1:${rawPort}/cut`]);
      assert.equal(r.code, 18);
      assertOneErrorLine(r.stderr, /transfer closed with 90 bytes remaining to read/);
      assert.equal(readFileSync(out, 'latin1'), '0123456789');
    });
    test('a chunked body without its last chunk → exit 18', async () => {
      const r = await runTrama(['get', `http://127.0.0.1:${rawPort}/cut-chunked`]);
      assert.equal(r.code, 18);
      assertOneErrorLine(r.stderr, /transfer closed with outstanding read data remaining/);
    });
    test('connection closed without a reply → exit 52', async () => {
      const r = await runTrama(['get', `http://127.0.0.1:${rawPort}/empty`]);
      assert.equal(r.code, 52);
      assertOneErrorLine(r.stderr, /Empty reply from server/);
    });
    test('not HTTP → exit 8', async () => {
      const r = await runTrama(['get', `http://127.0.0.1:${rawPort}/garbage`]);
      assert.equal(r.code, 8);
      assertOneErrorLine(r.stderr, /Weird server reply/);
    });
  });
});
