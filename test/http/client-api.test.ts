// The rest of ClientRequest's surface: setDefaultHeaders, insecureHTTPParser, socket helpers
// (setNoDelay, setSocketKeepAlive, setTimeout/clearTimeout), cork/uncork, destroyed, connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type * as net from 'node:net';
import { NODE, TRAMA, listen, close, rawServer } from './client-support.js';
import { request, get } from '../../src/http/client-request.js';

/** The request head the server received for one `request(opts)`. */
async function headFor(opts: Record<string, unknown>): Promise<{ head: string; port: number }> {
  let head = '';
  const server = rawServer((socket, h) => {
    head = h;
    socket.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
  });
  const port = await listen(server);
  await new Promise<void>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, agent: false, ...opts } as never, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end();
  });
  await close(server);
  return { head, port };
}

test('setDefaultHeaders: false sends only the caller\'s fields (no Host, Connection or framing)', async () => {
  const { head } = await headFor({ setDefaultHeaders: false, headers: { 'X-Only': '1' } });
  assert.equal(head, 'GET / HTTP/1.1\r\nX-Only: 1\r\n\r\n');
});

test('setDefaultHeaders: false with setHost: true keeps Host only', async () => {
  const { head, port } = await headFor({ setDefaultHeaders: false, setHost: true });
  assert.equal(head, `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
});

test('insecureHTTPParser: what the strict parser refuses, the lenient one accepts (same as node)', async () => {
  // A header value with a bare control character is refused unless lenient.
  const reply = 'HTTP/1.1 200 OK\r\nX-Odd: a\x01b\r\nContent-Length: 2\r\n\r\nok';
  for (const insecureHTTPParser of [false, true]) {
    const out: string[] = [];
    for (const lib of [NODE, TRAMA]) {
      const server = rawServer((s) => s.end(reply));
      const port = await listen(server);
      out.push(
        await new Promise<string>((resolve) => {
          const req = lib.get({ port, host: '127.0.0.1', agent: false, insecureHTTPParser }, (res) => {
            res.resume();
            res.on('end', () => resolve(`ok ${res.statusCode}`));
          });
          req.on('error', (e: NodeJS.ErrnoException) => resolve(`error ${e.code}`));
        }),
      );
      await close(server);
    }
    assert.equal(out[1], out[0], `insecureHTTPParser ${insecureHTTPParser}`);
  }
});

test('setNoDelay and setSocketKeepAlive reach the socket once assigned (as node: at once if writable)', async () => {
  const server = http.createServer((req, res) => res.end('ok'));
  const port = await listen(server);
  const all: string[][] = [];
  for (const lib of [NODE, TRAMA]) {
    const req = lib.get({ host: '127.0.0.1', port, agent: false });
    const calls: string[] = [];
    req.on('socket', (s: net.Socket) => {
      const nd = s.setNoDelay.bind(s);
      const ka = s.setKeepAlive.bind(s);
      s.setNoDelay = (v?: boolean) => (calls.push(`noDelay ${v}`), nd(v));
      s.setKeepAlive = (v?: boolean, d?: number) => (calls.push(`keepAlive ${v} ${d}`), ka(v, d));
    });
    req.setNoDelay(true);
    req.setSocketKeepAlive(true, 500);
    await new Promise((r) => req.on('response', (res: http.IncomingMessage) => r(res.resume())));
    all.push(calls);
  }
  assert.deepEqual(all[1], all[0]);
  assert.deepEqual(all[1], ['noDelay true', 'keepAlive true 500']);
  await close(server);
});

test('setTimeout after the socket is assigned, clearTimeout removes it; res gets timeout too', async () => {
  const server = rawServer((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'));
  const port = await listen(server);
  const req = get({ host: '127.0.0.1', port, agent: false });
  const events: string[] = [];
  await new Promise((r) => req.on('socket', r));
  req.setTimeout(5000);
  req.clearTimeout();
  const res = await new Promise<http.IncomingMessage>((r) => req.on('response', r));
  res.resume();
  req.setTimeout(30, () => events.push('req timeout'));
  res.on('timeout', () => events.push('res timeout'));
  await new Promise((r) => req.once('timeout', () => setImmediate(r)));
  assert.deepEqual(events, ['req timeout', 'res timeout']);
  req.destroy();
  await close(server);
});

test('cork/uncork batch writes; connection is the socket; destroyed flips', async () => {
  let body = '';
  const server = http.createServer((req, res) => {
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => res.end('done'));
  });
  const port = await listen(server);
  const req = request({ host: '127.0.0.1', port, method: 'POST', agent: false });
  req.cork();
  req.write('a');
  req.write('b');
  req.uncork();
  req.end('c');
  await new Promise((r) => req.on('socket', r));
  assert.equal(req.connection, req.socket);
  const res = await new Promise<http.IncomingMessage>((r) => req.on('response', r));
  res.resume();
  await new Promise((r) => res.on('end', r));
  assert.equal(body, 'abc');
  assert.equal(req.destroyed, false);
  req.destroy();
  assert.equal(req.destroyed, true);
  await close(server);
});

test('102 Processing and other 1xx produce information events; 100 also continue', async () => {
  const server = rawServer((s) => s.end('HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
  const port = await listen(server);
  const seen: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, agent: false }, (res) => {
      seen.push(`response ${res.statusCode}`);
      res.resume();
      res.on('end', resolve);
    });
    req.on('information', (i: { statusCode: number }) => seen.push(`information ${i.statusCode}`));
    req.on('continue', () => seen.push('continue'));
    req.on('error', reject);
  });
  assert.deepEqual(seen, ['information 102', 'continue', 'information 100', 'response 200']);
  await close(server);
});
