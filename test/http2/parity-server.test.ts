// The same server script against node:http2 and trama/http2, with node:http2's client driving both:
// events, their order, the values the API reports and the errors it throws must agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import nodeHttp2 from 'node:http2';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { both, errText, listenUrl as listen, logFirstPush, readBody } from '../support/http2-parity.js';

async function closeAll(client: nodeHttp2.ClientHttp2Session, server: nodeHttp2.Http2Server): Promise<void> {
  client.close();
  await new Promise<void>((r) => server.close(() => r()));
}

test('stream API: a POST read to its end, respond + body + trailers; event order on both sides', async () => {
  const logs = await both(async (http2, log) => {
    const server = http2.createServer();
    server.on('stream', (stream, headers, flags) => {
      log.push(`stream ${headers[':method']} ${headers[':path']} ${headers['x-a']} flags=${flags} end=${stream.endAfterHeaders} id=${stream.id}`);
      let body = '';
      stream.setEncoding('utf8');
      stream.on('data', (c: string) => (body += c));
      stream.on('end', () => {
        log.push(`end ${body}`);
        stream.respond({ ':status': 201, 'x-b': ['1', '2'] }, { waitForTrailers: true });
        log.push(`headersSent=${stream.headersSent} status=${stream.sentHeaders[':status']} hasDate=${typeof stream.sentHeaders.date}`);
        stream.on('wantTrailers', () => {
          log.push('wantTrailers');
          stream.sendTrailers({ 'x-t': 'done' });
          log.push(`sentTrailers=${JSON.stringify(stream.sentTrailers)}`);
        });
        stream.write('part1,');
        stream.end('part2');
      });
      // 'finish' and 'wantTrailers' race inside node (its write and shutdown requests): only
      // that 'finish' came before 'close' is compared.
      const closed = new Promise<void>((resolve) => stream.on('close', () => {
        log.push(`close rst=${stream.rstCode} closed=${stream.closed} finished=${stream.writableFinished}`);
        resolve();
      }));
      serverDone = closed;
    });
    let serverDone: Promise<void> = Promise.resolve();
    const url = await listen(server);
    const client = nodeHttp2.connect(url);
    const req = client.request({ ':method': 'POST', ':path': '/p?q=1', 'x-a': 'A' });
    req.end('hello');
    const [h] = (await once(req, 'response')) as [nodeHttp2.IncomingHttpHeaders];
    const clientLog = [`client ${h[':status']} ${h['x-b']}`];
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (data += d));
    const ended = once(req, 'end');
    const [t] = (await once(req, 'trailers')) as [nodeHttp2.IncomingHttpHeaders];
    await ended;
    clientLog.push(`client body ${data} trailers ${t['x-t']}`);
    await new Promise((r) => req.once('close', r));
    await serverDone;
    log.push(...clientLog);
    await closeAll(client, server);
  });
  assert.deepEqual(logs.trama, logs.node);
});

test('stream API: node\'s errors for misuse of respond/additionalHeaders/sendTrailers/pushStream', async () => {
  const logs = await both(async (http2, log) => {
    const server = http2.createServer();
    server.on('stream', (stream) => {
      log.push(errText(() => stream.respond({ ':status': 101 })));
      log.push(errText(() => stream.respond({ ':status': 600 })));
      log.push(errText(() => stream.respond({ ':status': 99 })));
      log.push(errText(() => stream.respond({ connection: 'close' })));
      log.push(errText(() => stream.respond({ ':path': '/' })));
      log.push(errText(() => stream.respond({ 'content-type': ['a', 'b'] })));
      log.push(errText(() => stream.additionalHeaders({ ':status': 200 })));
      log.push(errText(() => stream.additionalHeaders({ ':status': 101 })));
      log.push(errText(() => stream.sendTrailers({ a: '1' })));
      log.push(errText(() => stream.pushStream({ ':path': '/x' }, () => {})));
      stream.additionalHeaders({ ':status': 103, link: '</a>; rel=preload' });
      stream.respond({ ':status': 200 });
      log.push(errText(() => stream.respond()));
      log.push(errText(() => stream.additionalHeaders({ ':status': 100 })));
      stream.end('x');
    });
    const url = await listen(server);
    // No push for this client (RFC 9113 §6.5.2 SETTINGS_ENABLE_PUSH 0): pushStream refuses.
    const client = nodeHttp2.connect(url, { settings: { enablePush: false } });
    await once(client, 'remoteSettings');
    const req = client.request({ ':path': '/' });
    const info: string[] = [];
    req.on('headers', (h) => info.push(String(h[':status'])));
    req.end();
    const [h] = (await once(req, 'response')) as [nodeHttp2.IncomingHttpHeaders];
    req.resume();
    await once(req, 'end');
    log.push(`client ${info.join(',')} then ${h[':status']}`);
    await closeAll(client, server);
  });
  assert.deepEqual(logs.trama, logs.node);
});

test('client RST_STREAM: CANCEL → \'aborted\' then \'close\' (rstCode 8); PROTOCOL_ERROR → ERR_HTTP2_STREAM_ERROR', async () => {
  const logs = await both(async (http2, log) => {
    const server = http2.createServer();
    let seen = 0;
    const done = new Promise<void>((resolve) => {
      server.on('stream', (stream) => {
        stream.respond({ ':status': 200 });
        stream.write('first');
        stream.on('aborted', () => log.push(`aborted ${stream.id}`));
        stream.on('error', (e: Error & { code?: string }) => log.push(`error ${stream.id} ${e.code} ${e.message}`));
        stream.on('close', () => {
          log.push(`close ${stream.id} rst=${stream.rstCode} aborted=${stream.aborted} destroyed=${stream.destroyed}`);
          if (++seen === 2) resolve();
        });
      });
    });
    const url = await listen(server);
    const client = nodeHttp2.connect(url);
    for (const code of [nodeHttp2.constants.NGHTTP2_CANCEL, nodeHttp2.constants.NGHTTP2_PROTOCOL_ERROR]) {
      const req = client.request({ ':path': '/' });
      req.end();
      req.once('data', () => req.close(code));
      req.on('error', () => {});
      await new Promise((r) => req.once('close', r));
    }
    await done;
    await closeAll(client, server);
  });
  assert.deepEqual(logs.trama, logs.node);
});

test('server stream.close(code): \'aborted\', \'error\' (a code other than NO_ERROR/CANCEL), \'close\' with that rstCode; the client sees the code', async () => {
  const logs = await both(async (http2, log) => {
    const server = http2.createServer();
    let serverClosed!: Promise<void>;
    server.on('stream', (stream) => {
      stream.on('aborted', () => log.push('aborted'));
      stream.on('error', (e: Error & { code?: string }) => log.push(`error ${e.code} ${e.message}`));
      serverClosed = new Promise((resolve) => stream.on('close', () => {
        log.push(`close rst=${stream.rstCode}`);
        resolve();
      }));
      stream.close(nodeHttp2.constants.NGHTTP2_REFUSED_STREAM);
    });
    const url = await listen(server);
    const client = nodeHttp2.connect(url);
    const req = client.request({ ':path': '/' });
    const clientLog: string[] = [];
    req.on('error', (e: Error & { code?: string }) => clientLog.push(`client error ${e.code} ${e.message}`));
    req.end();
    await new Promise((r) => req.once('close', r));
    await serverClosed;
    log.push(...clientLog, `client rst=${req.rstCode}`);
    await closeAll(client, server);
  });
  assert.deepEqual(logs.trama, logs.node);
});

test('session: \'session\', remoteSettings, settings() → localSettings, ping both ways, client GOAWAY → \'goaway\', \'close\'', async () => {
  const logs = await both(async (http2, log) => {
    const server = http2.createServer({ settings: { maxConcurrentStreams: 77 } });
    const sessionClosed = new Promise<void>((resolve) => {
      server.on('session', (session) => {
        log.push(`session type=${session.type} encrypted=${session.encrypted} alpn=${session.alpnProtocol}`);
        session.on('remoteSettings', (s) => log.push(`remoteSettings initialWindowSize=${s.initialWindowSize}`));
        session.on('ping', (p) => log.push(`ping ${p.toString()}`));
        session.on("goaway", (code, last, data) => log.push(`goaway ${code} ${last} ${data?.toString()}`));
        session.on('close', () => {
          log.push('session close');
          resolve();
        });
      });
    });
    server.on('stream', (stream) => {
      const session = stream.session!;
      log.push(`remote=${session.remoteSettings.initialWindowSize}`);
      session.on('localSettings', (s) => log.push(`localSettings ${s.initialWindowSize}`));
      session.settings({ initialWindowSize: 100000 }, (err, s) => {
        log.push(`settings cb ${err} ${s.initialWindowSize} maxConcurrentStreams=${s.maxConcurrentStreams}`);
        session.ping(Buffer.from('abcdefgh'), (err2, _ms, payload) => {
          log.push(`server ping ${err2} ${payload.toString()}`);
          stream.respond();
          stream.end();
        });
      });
      log.push(errText(() => session.ping(Buffer.from('short'), () => {})));
    });
    const url = await listen(server);
    const client = nodeHttp2.connect(url, { settings: { initialWindowSize: 123456 } });
    const req = client.request({ ':path': '/' });
    req.end();
    req.resume();
    await once(req, 'end');
    await new Promise<void>((r) => client.ping(Buffer.from('12345678'), () => r()));
    client.goaway(0, 0, Buffer.from('bye'));
    client.close();
    await sessionClosed;
    await new Promise<void>((r) => server.close(() => r()));
  });
  assert.deepEqual(logs.trama, logs.node);
});

test('push: pushStream promises a GET the client receives before the parent\'s body', async () => {
  const logs = await both(async (http2, log) => {
    const server = http2.createServer();
    server.on('stream', (stream, headers) => {
      if (headers[':path'] !== '/') return;
      log.push(`pushAllowed=${stream.pushAllowed}`);
      stream.pushStream({ ':path': '/style.css' }, (err, push, pushHeaders) => {
        log.push(`push cb ${err} ${pushHeaders[':path']} ${pushHeaders[':method']} ${pushHeaders[':authority'] !== undefined}`);
        log.push(errText(() => push.pushStream({ ':path': '/nested' }, () => {})));
        push.respond({ ':status': 200, 'content-type': 'text/css' });
        push.end('body{}');
        stream.respond({ ':status': 200 });
        stream.end('<html>');
      });
    });
    const url = await listen(server);
    const client = nodeHttp2.connect(url);
    const pushed = logFirstPush(client, log, 'client push');
    const req = client.request({ ':path': '/' });
    req.end();
    const body = await readBody(req);
    await pushed;
    log.push(`client body ${body}`);
    await closeAll(client, server);
  });
  assert.deepEqual(logs.trama, logs.node);
});

test('respondWithFile / respondWithFD: content-length from the file, offset/length, statCheck, a directory refused', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trama-h2-file-'));
  const file = path.join(dir, 'a.txt');
  fs.writeFileSync(file, '0123456789');
  try {
    const logs = await both(async (http2, log) => {
      const server = http2.createServer();
      server.on('stream', (stream, headers) => {
        const p = headers[':path'];
        if (p === '/file') stream.respondWithFile(file, { 'content-type': 'text/plain' });
        else if (p === '/range') stream.respondWithFile(file, {}, { offset: 2, length: 3 });
        else if (p === '/fd') stream.respondWithFD(fs.openSync(file, 'r'), {});
        else if (p === '/stat') {
          stream.respondWithFile(file, {}, {
            statCheck(stat, h) {
              h['last-modified'] = 'x';
              log.push(`statCheck size=${stat.size}`);
            },
          });
        } else if (p === '/dir') {
          stream.respondWithFile(dir, {}, {
            onError(err: Error & { code?: string }) {
              log.push(`onError ${err.code}`);
              stream.respond({ ':status': 404 });
              stream.end();
            },
          });
        }
      });
      const url = await listen(server);
      const client = nodeHttp2.connect(url);
      for (const p of ['/file', '/range', '/fd', '/stat', '/dir']) {
        const req = client.request({ ':path': p });
        req.end();
        const [h] = (await once(req, 'response')) as [nodeHttp2.IncomingHttpHeaders];
        let body = '';
        req.on('data', (c) => (body += c));
        await once(req, 'end');
        log.push(`${p} ${h[':status']} len=${h['content-length']} lm=${h['last-modified']} ${body}`);
      }
      await closeAll(client, server);
    });
    assert.deepEqual(logs.trama, logs.node);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('HEAD and 204 end the stream at the head; a write after it is refused', async () => {
  const logs = await both(async (http2, log) => {
    const server = http2.createServer();
    server.on('stream', (stream, headers) => {
      stream.respond({ ':status': headers[':path'] === '/204' ? 204 : 200 });
      log.push(`${headers[':method']} ${headers[':path']} writableEnded=${stream.writableEnded}`);
    });
    const url = await listen(server);
    const client = nodeHttp2.connect(url);
    for (const [m, p] of [['HEAD', '/'], ['GET', '/204']]) {
      const req = client.request({ ':method': m, ':path': p });
      req.end();
      const [h] = (await once(req, 'response')) as [nodeHttp2.IncomingHttpHeaders];
      req.resume();
      await once(req, 'end');
      log.push(`client ${m} ${h[':status']}`);
    }
    await closeAll(client, server);
  });
  assert.deepEqual(logs.trama, logs.node);
});

test('session.setTimeout: an idle session emits \'timeout\'; closing it there ends the client\'s session', async () => {
  const logs = await both(async (http2, log) => {
    const server = http2.createServer();
    server.on('session', (session) => {
      session.setTimeout(50, () => {
        log.push('session timeout');
        session.close();
      });
    });
    const url = await listen(server);
    const client = nodeHttp2.connect(url);
    // node sends GOAWAY twice there (close, then destroy); the first is compared.
    client.once('goaway', (code) => log.push(`client goaway ${code}`));
    await once(client, 'close');
    log.push('client close');
    await new Promise<void>((r) => server.close(() => r()));
  });
  assert.deepEqual(logs.trama, logs.node);
});
