// nock 15 (the real package) intercepting trama's client, compared with node's client under the
// same mocks: what a test suite that mocks its HTTP calls with nock sees, event by event.
//
// nock 15 intercepts below the HTTP layer (@mswjs/interceptors patches net.Socket's connect and
// parses the request bytes), so trama's request/get are intercepted as they are, without the
// `trama/register` switch; this file runs in its own process, where nock stays active.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import { Readable } from 'node:stream';
import { NODE, TRAMA, type ClientLib } from './client-support.js';

// @mswjs/interceptors 0.44 (nock 15.0's dependency) calls Promise.withResolvers, an ES2024
// method that Node 20 does not have (Node 22 does): the standard definition, for this process
// only, before nock loads. Without it nock fails on node:http as well.
if (typeof (Promise as unknown as { withResolvers?: unknown }).withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T>(this: PromiseConstructor) {
      let resolve!: (v: T) => void;
      let reject!: (e: unknown) => void;
      const promise = new this<T>((a, b) => {
        resolve = a;
        reject = b;
      });
      return { promise, resolve, reject };
    },
  });
}

type Nock = typeof import('nock').default;
let nock: Nock;

before(async () => {
  nock = (await import('nock')).default;
  nock.disableNetConnect();
});

after(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

type Lib = ClientLib;
const LIBS: Lib[] = [NODE, TRAMA];

/** Make one request and log what the caller sees until the request closed. */
function run(
  lib: Lib,
  target: string | http.RequestOptions,
  body?: string | string[],
  onRequest?: (req: http.ClientRequest) => void,
): Promise<string[]> {
  return new Promise((resolve) => {
    const log: string[] = [];
    const req = typeof target === 'string' ? lib.request(target) : lib.request(target);
    req.on('response', (res: http.IncomingMessage) => {
      log.push(`response ${res.statusCode} ${JSON.stringify(res.rawHeaders)}`);
      let b = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (b += d));
      res.on('end', () => log.push(`body ${b}`));
      res.on('close', () => log.push('res close'));
    });
    req.on('socket', () => log.push('socket'));
    req.on('finish', () => log.push('finish'));
    req.on('error', (e: NodeJS.ErrnoException) => log.push(`error ${e.code} ${e.message}`));
    req.on('close', () => {
      log.push(`close reused=${req.reusedSocket}`);
      setImmediate(() => resolve(log));
    });
    onRequest?.(req);
    if (body === undefined) req.end();
    else if (Array.isArray(body)) {
      for (const c of body) req.write(c);
      req.end();
    } else req.end(body);
  });
}

/** Run `scenario` (which sets up its mocks) with node's client, then trama's, and compare. */
async function compare(scenario: (lib: Lib) => Promise<string[][]>): Promise<string[][]> {
  const results: string[][][] = [];
  for (const lib of LIBS) {
    results.push(await scenario(lib));
    nock.cleanAll();
  }
  assert.deepEqual(results[1], results[0]);
  return results[1]!;
}

test('nock: a GET with a query, reply status, headers (repeated Set-Cookie) and body', async () => {
  const [log] = await compare(async (lib) => {
    const scope = nock('http://example.test').get('/hello').query({ a: '1' }).reply(200, 'world', { 'X-A': '1', 'Set-Cookie': ['a=1', 'b=2'] });
    const out = [await run(lib, 'http://example.test/hello?a=1')];
    out.push([`done ${scope.isDone()}`]);
    return out;
  });
  assert.ok(log!.includes('body world'), log!.join('\n'));
});

test('nock: request bodies written in pieces and as JSON are matched; a reply function reads the body', async () => {
  const out = await compare(async (lib) => {
    nock('http://example.test').post('/echo', 'abcdef').reply(201, async (r: Request) => `got ${await r.text()}`);
    nock('http://example.test').post('/json', { x: 1 }).reply(200, { ok: true });
    return [
      await run(lib, { host: 'example.test', path: '/echo', method: 'POST' }, ['abc', 'def']),
      await run(lib, { host: 'example.test', path: '/json', method: 'POST', headers: { 'content-type': 'application/json' } }, JSON.stringify({ x: 1 })),
    ];
  });
  assert.ok(out[0]!.includes('body got abcdef'), out[0]!.join('\n'));
});

test('nock: replyWithError, an unmatched path and a host net connect refuses reach the request as in node', async () => {
  const out = await compare(async (lib) => {
    nock('http://example.test').get('/err').replyWithError('boom');
    nock('http://example.test').get('/other').reply(200);
    return [await run(lib, 'http://example.test/err'), await run(lib, 'http://example.test/nomatch'), await run(lib, 'http://unknown.test/x')];
  });
  assert.ok(out[0]!.some((l) => l.includes('boom')));
  assert.ok(out[2]!.some((l) => l.startsWith('error ENETUNREACH')));
});

test('nock: a streamed reply, a HEAD reply, and two requests through one keep-alive agent', async () => {
  await compare(async (lib) => {
    nock('http://example.test').get('/stream').reply(200, () => Readable.from(['a', 'b', 'c']));
    nock('http://example.test').head('/h').reply(200, '', { 'Content-Length': '10' });
    nock('http://example.test').get('/k1').reply(200, '1').get('/k2').reply(200, '2');
    const agent = new lib.Agent({ keepAlive: true });
    const out = [
      await run(lib, 'http://example.test/stream'),
      await run(lib, { host: 'example.test', path: '/h', method: 'HEAD' }),
      await run(lib, { host: 'example.test', path: '/k1', agent }),
      await run(lib, { host: 'example.test', path: '/k2', agent }),
    ];
    agent.destroy();
    return out;
  });
});

test('nock: abort() as soon as the request has its socket: node\'s events, the mock stays pending', async () => {
  const out = await compare(async (lib) => {
    const scope = nock('http://example.test').get('/abort').reply(200, 'x');
    const log = await run(lib, 'http://example.test/abort', undefined, (req) => req.on('socket', () => req.abort()));
    return [log, [`pending ${scope.pendingMocks().join(',')}`]];
  });
  assert.deepEqual(out[1], ['pending GET http://example.test:80/abort']);
});
