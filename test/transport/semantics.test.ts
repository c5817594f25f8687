// One semantic suite of request/response behaviour, the same test bodies run over every way in
// (test/transport/support.ts): HTTP/1.1, h2c with prior knowledge, h2c by Upgrade, TLS with ALPN
// h2, TLS with ALPN http/1.1. What a handler sees and what a client gets must not depend on the
// protocol, except where the protocol itself differs (written next to the assertion).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { TRANSPORTS, connect, fetchAll, isH2, serve, unavailable, type Handler, type TransportName, type Client, type Served } from './support.js';

/** Large enough to cross every window and buffer on the way (h2 initial windows are 64 KiB). */
const LARGE = 8 * 1024 * 1024;

async function withServer(t: TransportName, handler: Handler, fn: (client: Client, served: Served) => Promise<void>, options = {}): Promise<void> {
  const served = await serve(t, handler, options);
  const client = await connect(t, served.port);
  try {
    await fn(client, served);
  } finally {
    await client.close();
    await served.close();
  }
}

function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

function readAll(req: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

for (const t of TRANSPORTS) {
  const skip = unavailable(t);
  const version = isH2(t) ? '2.0' : '1.1';

  describe(`over ${t}`, { skip }, () => {
    test('status, response headers (multi-valued too), method, url, request headers', async () => {
      const seen: Record<string, unknown>[] = [];
      await withServer(
        t,
        (req, res) => {
          seen.push({ method: req.method, url: req.url, v: req.httpVersion, custom: req.headers['x-custom'], host: typeof req.headers.host });
          res.statusCode = 201;
          res.setHeader('Content-Type', 'text/plain; charset=utf-8');
          res.setHeader('Set-Cookie', ['a=1', 'b=2']);
          res.setHeader('X-Reply', 'yes');
          res.end('created');
        },
        async (client) => {
          const r = await fetchAll(client, { method: 'PUT', path: '/p/a?q=1&r=%20', headers: { 'x-custom': 'c1' }, body: '' });
          assert.equal(r.status, 201);
          assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
          assert.deepEqual(r.headers['set-cookie'], ['a=1', 'b=2']);
          assert.equal(r.headers['x-reply'], 'yes');
          assert.equal(r.body.toString(), 'created');
          assert.deepEqual(seen, [{ method: 'PUT', url: '/p/a?q=1&r=%20', v: version, custom: 'c1', host: 'string' }]);
        },
      );
    });

    test('writeHead with headers, 404 and 204 without a body, HEAD without a body', async () => {
      await withServer(
        t,
        (req, res) => {
          if (req.url === '/none') res.writeHead(204, { 'x-a': '1' }).end();
          else if (req.url === '/head') res.writeHead(200, { 'content-length': '5' }).end(req.method === 'HEAD' ? undefined : 'hello');
          else res.writeHead(404, 'Nope', { 'content-type': 'text/plain' }).end('not here');
        },
        async (client) => {
          const a = await fetchAll(client, { path: '/missing' });
          assert.equal(a.status, 404);
          assert.equal(a.body.toString(), 'not here');
          const b = await fetchAll(client, { path: '/none' });
          assert.equal(b.status, 204);
          assert.equal(b.headers['x-a'], '1');
          assert.equal(b.body.length, 0);
          const c = await fetchAll(client, { method: 'HEAD', path: '/head' });
          assert.equal(c.status, 200);
          assert.equal(c.headers['content-length'], '5');
          assert.equal(c.body.length, 0);
        },
      );
    });

    test('request body in and response body out, streamed both ways in several writes', async () => {
      await withServer(
        t,
        (req, res) => {
          res.setHeader('content-type', 'application/octet-stream');
          req.on('data', (c: Buffer) => res.write(Buffer.from(c.toString().toUpperCase())));
          req.on('end', () => res.end('|end'));
        },
        async (client) => {
          const call = client.request({ method: 'POST', path: '/echo', open: true });
          await call.write('one,');
          // The response streams before the request ends: the first echoed chunk arrives now.
          const first = await call.firstChunk();
          assert.equal(first.toString(), 'ONE,');
          await call.write('two,');
          await call.write('three');
          call.end();
          const body = await call.body();
          assert.equal(body.toString(), 'ONE,TWO,THREE|end');
        },
      );
    });

    test('the handler streams the response: the client has the first chunk before the handler ends', async () => {
      const gotFirst = deferred();
      await withServer(
        t,
        (_req, res) => {
          res.write('first;');
          void gotFirst.promise.then(() => res.end('second'));
        },
        async (client) => {
          const call = client.request({ path: '/stream' });
          assert.equal((await call.firstChunk()).toString(), 'first;');
          gotFirst.resolve();
          assert.equal((await call.body()).toString(), 'first;second');
        },
      );
    });

    test('trailers both ways: req.trailers after the body, addTrailers to the client', async () => {
      let seenTrailers: Record<string, unknown> = {};
      await withServer(
        t,
        async (req, res) => {
          const body = await readAll(req);
          seenTrailers = { ...req.trailers };
          res.setHeader('Trailer', 'x-checksum');
          res.write(body);
          res.addTrailers({ 'x-checksum': createHash('sha1').update(body).digest('hex') });
          res.end();
        },
        async (client) => {
          const call = client.request({ method: 'POST', path: '/t', headers: { trailer: 'x-req-trailer' }, open: true, trailers: { 'x-req-trailer': 'tv' } });
          await call.write('payload');
          call.end({ 'x-req-trailer': 'tv' });
          const body = await call.body();
          assert.equal(body.toString(), 'payload');
          assert.equal(call.trailers['x-checksum'], createHash('sha1').update('payload').digest('hex'));
          assert.deepEqual(seenTrailers, { 'x-req-trailer': 'tv' });
        },
      );
    });

    test("Expect: 100-continue: 'checkContinue', writeContinue, then the body", async () => {
      const events: string[] = [];
      const served = await serve(t, (_req, res) => res.end('unused'));
      served.server.on('checkContinue', async (req, res) => {
        events.push(`checkContinue ${req.httpVersion}`);
        res.writeContinue();
        const body = await readAll(req);
        res.end(`got ${body}`);
      });
      const client = await connect(t, served.port);
      try {
        const call = client.request({ method: 'POST', path: '/c', headers: { expect: '100-continue' }, open: true });
        await call.continued;
        events.push('client continued');
        await call.write('the body');
        call.end();
        const head = await call.response;
        assert.equal(head.status, 200);
        assert.equal((await call.body()).toString(), 'got the body');
        assert.deepEqual(call.informational.map((i) => i.status), [100]);
        assert.deepEqual(events, [`checkContinue ${version}`, 'client continued']);
      } finally {
        await client.close();
        await served.close();
      }
    });

    test('103 Early Hints before the response', async () => {
      await withServer(
        t,
        (_req, res) => {
          res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
          res.end('page');
        },
        async (client) => {
          const r = await fetchAll(client, { path: '/page' });
          assert.equal(r.status, 200);
          assert.equal(r.body.toString(), 'page');
          assert.deepEqual(r.informational.map((i) => [i.status, i.headers.link]), [[103, '</style.css>; rel=preload; as=style']]);
        },
      );
    });

    test('errors: invalid header values throw in the handler (node codes), a destroyed response cuts the exchange', async () => {
      const thrown: string[] = [];
      await withServer(
        t,
        (req, res) => {
          if (req.url === '/cut') {
            res.write('partial');
            res.destroy();
            return;
          }
          try {
            res.setHeader('x-bad', 'a\r\nb');
          } catch (e) {
            thrown.push((e as NodeJS.ErrnoException).code!);
          }
          try {
            res.setHeader('bad name', 'x');
          } catch (e) {
            thrown.push((e as NodeJS.ErrnoException).code!);
          }
          res.end('fine');
        },
        async (client, served) => {
          const ok = await fetchAll(client, { path: '/' });
          assert.equal(ok.body.toString(), 'fine');
          assert.deepEqual(thrown, ['ERR_INVALID_CHAR', 'ERR_INVALID_HTTP_TOKEN']);
          const cut = client.request({ path: '/cut' });
          await assert.rejects(cut.body());
          // h2: only the stream is reset, the session goes on; h1: the next connection serves.
          const next = isH2(t) ? client : await connect(t, served.port);
          assert.equal((await fetchAll(next, { path: '/' })).body.toString(), 'fine');
          if (next !== client) await next.close();
        },
      );
    });

    test("a client abort mid-request: req 'aborted' and 'close', res 'close' without 'finish'; the server keeps serving", async () => {
      const events: string[] = [];
      const closed = deferred();
      const gotData = deferred();
      await withServer(
        t,
        (req, res) => {
          if (req.url === '/ok') {
            res.end('still here');
            return;
          }
          req.on('data', () => gotData.resolve());
          req.on('aborted', () => events.push('req aborted'));
          // Both 'close' events, in whichever order the transport gives them.
          const both = (): void => {
            if (events.includes('req close') && events.includes('res close')) closed.resolve();
          };
          req.on('close', () => (events.push('req close'), both()));
          res.on('finish', () => events.push('res finish'));
          res.on('close', () => (events.push('res close'), both()));
        },
        async (client, served) => {
          const call = client.request({ method: 'POST', path: '/slow', open: true });
          await call.write('part of a body');
          await gotData.promise;
          call.abort();
          await closed.promise;
          await call.done;
          assert.ok(events.includes('req aborted'), events.join());
          assert.ok(events.includes('req close'), events.join());
          assert.ok(!events.includes('res finish'), events.join());
          const other = await connect(t, served.port);
          try {
            assert.equal((await fetchAll(other, { path: '/ok' })).body.toString(), 'still here');
          } finally {
            await other.close();
          }
        },
      );
    });

    test('a large response to a client that stops reading: write() returns false, then drains', async () => {
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      let sawFalse = false;
      let drains = 0;
      const full = deferred();
      await withServer(
        t,
        (_req, res) => {
          let sent = 0;
          const pump = (): void => {
            while (sent < LARGE) {
              sent += chunk.length;
              if (!res.write(chunk)) {
                if (!sawFalse) full.resolve();
                sawFalse = true;
                res.once('drain', () => {
                  drains++;
                  pump();
                });
                return;
              }
            }
            res.end();
          };
          res.setHeader('content-length', String(LARGE));
          pump();
        },
        async (client) => {
          const call = client.request({ path: '/big' });
          call.pause();
          await call.response;
          await full.promise;
          call.resume();
          const body = await call.body();
          assert.equal(body.length, LARGE);
          assert.ok(sawFalse && drains > 0);
        },
      );
    });

    test('a large upload: the handler reads it whole and answers its digest', async () => {
      const data = Buffer.alloc(LARGE);
      for (let i = 0; i < data.length; i += 4096) data[i] = i & 0xff;
      const want = createHash('sha256').update(data).digest('hex');
      await withServer(
        t,
        async (req, res) => {
          const h = createHash('sha256');
          let n = 0;
          for await (const c of req) {
            h.update(c as Buffer);
            n += (c as Buffer).length;
          }
          res.end(`${n} ${h.digest('hex')}`);
        },
        async (client) => {
          const call = client.request({ method: 'POST', path: '/up', open: true });
          for (let off = 0; off < data.length; off += 256 * 1024) await call.write(data.subarray(off, off + 256 * 1024));
          call.end();
          assert.equal((await call.body()).toString(), `${LARGE} ${want}`);
        },
      );
    });

    test('concurrent requests: 32 at once, each answered with its own body', async () => {
      const inFlight = { now: 0, max: 0 };
      const release = deferred();
      await withServer(
        t,
        (req, res) => {
          inFlight.now++;
          inFlight.max = Math.max(inFlight.max, inFlight.now);
          if (inFlight.max >= 32) release.resolve();
          void release.promise.then(() => {
            inFlight.now--;
            res.end(`r${req.url}`);
          });
        },
        async (client) => {
          const all = await Promise.all(Array.from({ length: 32 }, (_, i) => fetchAll(client, { path: `/${i}` })));
          all.forEach((r, i) => assert.equal(r.body.toString(), `r/${i}`));
          // All 32 were in the handler at the same time (h2: streams of one connection).
          assert.equal(inFlight.max, 32);
        },
      );
    });

    test("connection-specific headers a handler sets don't break the response", async () => {
      await withServer(
        t,
        (_req, res) => {
          res.setHeader('Connection', 'keep-alive');
          res.setHeader('Keep-Alive', 'timeout=5');
          res.end('ok');
        },
        async (client) => {
          const r = await fetchAll(client, { path: '/' });
          assert.equal(r.status, 200);
          assert.equal(r.body.toString(), 'ok');
          // RFC 9113 §8.2.2: never sent over HTTP/2.
          if (isH2(t)) assert.equal(r.headers.connection, undefined);
        },
      );
    });
  });
}
