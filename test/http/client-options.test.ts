// request()/get() options: the bytes on the wire compared with node:http's for the same options,
// node's exact errors for bad options, and the connection options (socketPath, lookup, family,
// localAddress, createConnection, defaultPort).
import { test } from 'node:test';
import * as dns from 'node:dns';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NODE, TRAMA, listen, close, rawServer, type ClientLib } from './client-support.js';
import { request, get, ClientRequest } from '../../src/http/client-request.js';
import { Agent } from '../../src/http/agent.js';
import { DnsCache } from '../../src/io/dns-cache.js';

type Sent = { head: string; body: string };

/** Send one request with `lib` (built by `make`) and return the exact bytes the server got. */
async function capture(lib: ClientLib, make: (lib: ClientLib, port: number) => http.ClientRequest): Promise<Sent> {
  let resolveSent!: (s: Sent) => void;
  const sent = new Promise<Sent>((r) => (resolveSent = r));
  const server = rawServer((socket, head, rest) => {
    let body = rest.toString('latin1');
    const finish = (): void => {
      resolveSent({ head, body });
      socket.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    };
    const m = /content-length: (\d+)/i.exec(head);
    const chunked = /transfer-encoding: chunked/i.test(head);
    const done = (): boolean => (m ? body.length >= Number(m[1]) : chunked ? body.endsWith('0\r\n\r\n') : true);
    if (done()) return finish();
    socket.removeAllListeners('data');
    socket.on('data', (d: Buffer) => {
      body += d.toString('latin1');
      if (done()) finish();
    });
  });
  const port = await listen(server);
  const req = make(lib, port);
  req.on('error', () => {});
  req.on('response', (res) => res.resume());
  const out = await sent;
  await new Promise((r) => req.on('close', r));
  await close(server);
  return { head: out.head.replace(new RegExp(String(port), 'g'), 'PORT'), body: out.body };
}

async function sameBytes(make: (lib: ClientLib, port: number) => http.ClientRequest): Promise<Sent> {
  const n = await capture(NODE, make);
  const t = await capture(TRAMA, make);
  assert.deepEqual(t, n);
  return n;
}

test('URL string: path, query, Host with port, keep-alive on the global agent', async () => {
  const s = await sameBytes((lib, port) => lib.get(`http://127.0.0.1:${port}/a/b?c=1&d=%20`));
  assert.match(s.head, /^GET \/a\/b\?c=1&d=%20 HTTP\/1.1\r\nHost: 127.0.0.1:PORT\r\nConnection: keep-alive\r\n\r\n$/);
});

test('URL object merged with options (options win)', async () => {
  await sameBytes((lib, port) =>
    lib.get(new URL(`http://127.0.0.1:${port}/from-url`), { path: '/from-options', headers: { 'X-A': 'b' }, agent: false }),
  );
});

test('hostname wins over host; headers object keeps the given case', async () => {
  await sameBytes((lib, port) => lib.get({ host: 'nope.invalid', hostname: '127.0.0.1', port, headers: { 'X-Mixed-Case': '1', accept: 'text/plain' }, agent: false }));
});

test('headers as a flat array are sent as given (duplicates, order, case)', async () => {
  const s = await sameBytes((lib, port) =>
    lib.get({ host: '127.0.0.1', port, headers: ['Host', 'h.test', 'X-Dup', '1', 'x-dup', '2'] as unknown as http.OutgoingHttpHeaders, agent: false }),
  );
  assert.match(s.head, /X-Dup: 1\r\nx-dup: 2\r\n/);
});

test('auth option and URL credentials (percent-decoded) → Basic Authorization', async () => {
  await sameBytes((lib, port) => lib.get({ host: '127.0.0.1', port, auth: 'user:pa ss', agent: false }));
  const s = await sameBytes((lib, port) => lib.get(`http://us%40er:p%3Ass@127.0.0.1:${port}/`, { agent: false }));
  assert.match(s.head, new RegExp(`Authorization: Basic ${Buffer.from('us@er:p:ss').toString('base64')}`));
});

test('an explicit Authorization wins over auth', async () => {
  await sameBytes((lib, port) => lib.get({ host: '127.0.0.1', port, auth: 'a:b', headers: { authorization: 'Bearer x' }, agent: false }));
});

test('setHost: false sends no Host', async () => {
  const s = await sameBytes((lib, port) => lib.get({ host: '127.0.0.1', port, setHost: false, agent: false }));
  assert.doesNotMatch(s.head, /Host:/i);
});

test('POST: chunked by default; Content-Length when end() has the whole body; lower-case method upper-cased', async () => {
  const s = await sameBytes((lib, port) => {
    const req = lib.request({ host: '127.0.0.1', port, method: 'post', agent: false });
    req.write('hello ');
    req.end('world');
    return req;
  });
  assert.match(s.head, /^POST \/ HTTP\/1.1\r\n/);
  assert.match(s.head, /Transfer-Encoding: chunked/);
  const t = await sameBytes((lib, port) => lib.request({ host: '127.0.0.1', port, method: 'PUT', agent: false }).end('abc') as http.ClientRequest);
  assert.match(t.head, /Content-Length: 3/);
});

test('uniqueHeaders joins array values with "; "', async () => {
  const s = await sameBytes((lib, port) => lib.get({ host: '127.0.0.1', port, uniqueHeaders: ['x-u'], headers: { 'x-u': ['a', 'b'], 'x-m': ['c', 'd'] }, agent: false }));
  assert.match(s.head, /x-u: a; b\r\n/);
  assert.match(s.head, /x-m: c\r\nx-m: d\r\n/);
});

test('setHeader/getHeader/removeHeader/hasHeader/getHeaderNames/getRawHeaderNames before the head is sent', async () => {
  const s = await sameBytes((lib, port) => {
    const req = lib.request({ host: '127.0.0.1', port, agent: false });
    req.setHeader('X-One', 1);
    req.setHeader('Cookie', ['a=1', 'b=2']);
    req.setHeader('X-Gone', 'x');
    req.removeHeader('x-gone');
    assert.equal(req.getHeader('x-one'), 1);
    assert.equal(req.hasHeader('X-GONE'), false);
    assert.deepEqual(req.getHeaderNames(), ['host', 'x-one', 'cookie']);
    assert.deepEqual(req.getRawHeaderNames(), ['Host', 'X-One', 'Cookie']);
    assert.deepEqual({ ...req.getHeaders() }, { host: `127.0.0.1:${port}`, 'x-one': 1, cookie: ['a=1', 'b=2'] });
    req.end();
    assert.throws(() => req.setHeader('a', 'b'), { code: 'ERR_HTTP_HEADERS_SENT' });
    return req;
  });
  assert.match(s.head, /Cookie: a=1; b=2\r\n/);
});

test('flushHeaders sends the head before the body', async () => {
  await sameBytes((lib, port) => {
    const req = lib.request({ host: '127.0.0.1', port, method: 'POST', headers: { 'content-length': 2 }, agent: false });
    req.flushHeaders();
    setImmediate(() => req.end('ok'));
    return req;
  });
});

test('absolute-form path (a proxy request): sent as given, Host from the options (node 20)', async () => {
  await sameBytes((lib, port) => lib.get({ host: '127.0.0.1', port, path: 'http://example.test:8080/x', agent: false }));
});

test('createConnection without an agent, and the IPv6 Host in brackets', async () => {
  await sameBytes((lib, port) =>
    lib.get({
      host: '::1',
      port: 8080,
      createConnection: () => net.connect(port, '127.0.0.1'),
    } as http.RequestOptions),
  );
});

test('defaultPort: no port in Host when it equals the default', async () => {
  const s = await sameBytes((lib, port) => lib.get({ host: '127.0.0.1', defaultPort: port, agent: false }));
  assert.match(s.head, /Host: 127.0.0.1\r\n/);
});

test('bad options throw node\'s errors (class, code, message)', () => {
  const cases: Record<string, unknown>[] = [
    { agent: 1 },
    { host: 1 },
    { hostname: {} },
    { method: 1 },
    { method: 'a b' },
    { maxHeaderSize: -1 },
    { maxHeaderSize: 'x' },
    { maxHeaderSize: 1.5 },
    { insecureHTTPParser: 'x' },
    { joinDuplicateHeaders: 1 },
    { path: '/a b' },
    { path: '/a\u0100' },
    { protocol: 'ftp:' },
    { timeout: 'x' },
    { timeout: -1 },
    { headers: { 'a b': 1 } },
    { headers: { a: 'x\r\ny' } },
    { headers: ['a'] },
  ];
  for (const c of cases) {
    const got: unknown[] = [];
    for (const lib of [NODE, TRAMA]) {
      try {
        const r = lib.request({ port: 1, host: '127.0.0.1', ...c } as http.RequestOptions);
        r.on('error', () => {});
        r.destroy();
        got.push('no throw');
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        got.push([err.name, err.code, err.message, err instanceof TypeError, err instanceof RangeError]);
      }
    }
    assert.deepEqual(got[1], got[0], JSON.stringify(c));
    assert.notEqual(got[0], 'no throw');
  }
});

test('ClientRequest members: path, method, host, protocol, reusedSocket, maxHeadersCount, writableEnded/Finished', async () => {
  const server = http.createServer((req, res) => res.end('x'));
  const port = await listen(server);
  const agent = new Agent({ keepAlive: true });
  const req = request({ host: '127.0.0.1', port, path: '/p?q', method: 'delete', agent });
  assert.ok(req instanceof ClientRequest);
  assert.equal(req.path, '/p?q');
  assert.equal(req.method, 'DELETE');
  assert.equal(req.host, '127.0.0.1');
  assert.equal(req.protocol, 'http:');
  assert.equal(req.reusedSocket, false);
  assert.equal(req.maxHeadersCount, null);
  assert.equal(req.writableEnded, false);
  req.end();
  assert.equal(req.writableEnded, true);
  assert.equal(req.finished, true);
  await new Promise((r) => req.on('finish', r));
  assert.equal(req.writableFinished, true);
  const res = await new Promise<http.IncomingMessage>((r) => req.on('response', r));
  res.resume();
  await new Promise((r) => req.on('close', r));
  const second = get({ host: '127.0.0.1', port, agent });
  await new Promise((r) => second.on('response', (res2: http.IncomingMessage) => r(res2.resume())));
  assert.equal(second.reusedSocket, true);
  agent.destroy();
  await close(server);
});

test('ClientRequest is callable on an existing object and subclassable', () => {
  function Sub(this: object, opts: Record<string, unknown>) {
    (ClientRequest as unknown as (this: object, o: unknown) => void).call(this, opts);
  }
  Object.setPrototypeOf(Sub.prototype, ClientRequest.prototype);
  const r = new (Sub as unknown as new (o: unknown) => InstanceType<typeof ClientRequest>)({ host: '127.0.0.1', port: 1, agent: false });
  r.on('error', () => {});
  assert.ok(r instanceof ClientRequest);
  assert.equal(r.method, 'GET');
  r.destroy();
  class Sub2 extends (ClientRequest as unknown as new (o: unknown) => InstanceType<typeof ClientRequest>) {}
  const r2 = new Sub2({ host: '127.0.0.1', port: 1, agent: false });
  r2.on('error', () => {});
  assert.ok(r2 instanceof ClientRequest);
  r2.destroy();
});

test('socketPath: a request over a Unix domain socket', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'trama-client-'));
  const path = join(dir, 's.sock');
  const server = http.createServer((req, res) => res.end(`unix ${req.url} ${req.headers.host}`));
  await new Promise<void>((r) => server.listen(path, r));
  try {
    for (const lib of [NODE, TRAMA]) {
      const body = await new Promise<string>((resolve, reject) => {
        lib.get({ socketPath: path, path: '/over-unix' }, (res) => {
          let b = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (b += d));
          res.on('end', () => resolve(b));
        }).on('error', reject);
      });
      assert.equal(body, 'unix /over-unix localhost', lib.name);
    }
  } finally {
    await close(server);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('lookup, family and localAddress reach the connection', async () => {
  const server = http.createServer((req, res) => res.end(`${req.socket.remoteAddress}`));
  const port = await listen(server);
  const asked: string[] = [];
  const lookup = (hostname: string, options: unknown, cb: (e: Error | null, a: string | { address: string; family: number }[], f?: number) => void): void => {
    asked.push(hostname);
    if ((options as { all?: boolean }).all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
    else cb(null, '127.0.0.1', 4);
  };
  const body = await new Promise<string>((resolve, reject) => {
    get({ host: 'service.invalid', port, lookup, family: 4, localAddress: '127.0.0.1', agent: false } as never, (res) => {
      let b = '';
      res.on('data', (d: Buffer) => (b += d.toString()));
      res.on('end', () => resolve(b));
    }).on('error', reject);
  });
  assert.deepEqual(asked, ['service.invalid']);
  assert.match(body, /127\.0\.0\.1$/);
  await close(server);
});

test('hints and family reach lookup exactly as node passes them (with and without an agent, and through a dnsCache agent)', async () => {
  const server = http.createServer((req, res) => res.end('ok'));
  const port = await listen(server);
  const seen: Record<string, unknown[]> = { node: [], trama: [] };
  const cases: Array<Record<string, unknown>> = [
    { hints: dns.ADDRCONFIG | dns.V4MAPPED },
    { hints: dns.ADDRCONFIG, family: 4 },
    { hints: dns.V4MAPPED, family: 6 },
    { family: 4 },
    {},
  ];
  for (const lib of [NODE, TRAMA]) {
    for (const extra of cases) {
      for (const agentKind of ['false', 'agent']) {
        const lookup = (hostname: string, options: Record<string, unknown>, cb: (e: Error | null, a: string | { address: string; family: number }[], f?: number) => void): void => {
          seen[lib.name]!.push({ agentKind, extra, hostname, options: { ...options } });
          if (options.all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
          else cb(null, '127.0.0.1', 4);
        };
        const agent = agentKind === 'false' ? false : new lib.Agent({ keepAlive: false });
        await new Promise<void>((resolve, reject) => {
          lib.get({ host: 'service.invalid', port, lookup, agent, ...extra } as never, (res) => {
            res.resume();
            res.on('end', resolve);
          }).on('error', reject);
        });
        if (agent) agent.destroy();
      }
    }
  }
  assert.equal(seen.node!.length, cases.length * 2);
  assert.ok(seen.node!.some((s) => ((s as { options: { hints?: number } }).options.hints ?? 0) === (dns.ADDRCONFIG | dns.V4MAPPED)), 'node passed the hints (oracle sanity)');
  assert.deepEqual(seen.trama, seen.node);
  // Through the DNS cache (trama only): the hints reach the resolver's lookup options unchanged
  // (the cache asks for every family, `all: true`, and filters by `family` itself).
  const asked: unknown[] = [];
  const unused = (): void => assert.fail('resolve mode not in use');
  const cache = new DnsCache({
    resolver: {
      lookup: (host, options, cb) => {
        asked.push({ host, options: { ...options } });
        cb(null, [{ address: '127.0.0.1', family: 4 }]);
      },
      resolve4: unused,
      resolve6: unused,
    },
  });
  const agent = new Agent({ dnsCache: cache });
  await new Promise<void>((resolve, reject) => {
    get({ host: 'cached.invalid', port, agent, hints: dns.ADDRCONFIG, family: 4 } as never, (res) => {
      res.resume();
      res.on('end', resolve);
    }).on('error', reject);
  });
  agent.destroy();
  assert.deepEqual(asked, [{ host: 'cached.invalid', options: { all: true, hints: dns.ADDRCONFIG } }]);
  await close(server);
});

test('the response listener given to request() is a once listener', async () => {
  const server = http.createServer((req, res) => res.end('x'));
  const port = await listen(server);
  let calls = 0;
  const req = get({ host: '127.0.0.1', port, agent: false }, (res) => {
    calls++;
    res.resume();
  });
  await new Promise((r) => req.on('close', r));
  assert.equal(calls, 1);
  assert.equal(req.listenerCount('response'), 0);
  await close(server);
});

test('createConnection may return any Duplex (an in-memory peer here)', async () => {
  const { Duplex } = await import('node:stream');
  const results: unknown[] = [];
  for (const lib of [NODE, TRAMA]) {
    let sent = '';
    const makePeer = (): InstanceType<typeof Duplex> =>
      new Duplex({
        read() {},
        write(chunk: Buffer, _enc, cb) {
          sent += chunk.toString('latin1');
          if (sent.includes('\r\n\r\n')) {
            this.push('HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nmemory');
            this.push(null);
          }
          cb();
        },
      });
    const body = await new Promise<string>((resolve, reject) => {
      const req = lib.get({ host: 'mem.test', path: '/m', createConnection: makePeer } as http.RequestOptions, (res) => {
        let b = '';
        res.on('data', (d: Buffer) => (b += d.toString()));
        res.on('end', () => resolve(b));
      });
      req.on('error', reject);
    });
    results.push([body, sent]);
  }
  assert.deepEqual(results[1], results[0]);
  assert.equal((results[1] as string[])[0], 'memory');
});

test('localPort binds the client side of the connection', async () => {
  const server = http.createServer((req, res) => res.end(String(req.socket.remotePort)));
  const port = await listen(server);
  // A port that was free a moment ago.
  const probe = net.createServer();
  const localPort = await listen(probe);
  await close(probe);
  const seen = await new Promise<string>((resolve, reject) => {
    get({ host: '127.0.0.1', port, localAddress: '127.0.0.1', localPort, agent: false } as never, (res) => {
      let b = '';
      res.on('data', (d: Buffer) => (b += d.toString()));
      res.on('end', () => resolve(b));
    }).on('error', reject);
  });
  assert.equal(seen, String(localPort));
  await close(server);
});

test('autoSelectFamily (happy eyeballs): lookup is asked for every address as node asks, and the reachable one wins', async () => {
  // The server listens on 127.0.0.1 only: ::1 (listed first) is refused, the IPv4 attempt wins.
  const server = http.createServer((req, res) => res.end(`${req.socket.remoteAddress}`));
  const port = await listen(server);
  const seen: Record<string, unknown[]> = { node: [], trama: [] };
  for (const lib of [NODE, TRAMA]) {
    for (const agentKind of ['false', 'agent']) {
      const lookup = (hostname: string, options: Record<string, unknown>, cb: (e: Error | null, a: string | { address: string; family: number }[], f?: number) => void): void => {
        seen[lib.name]!.push({ agentKind, hostname, options: { ...options } });
        if (options.all) cb(null, [{ address: '::1', family: 6 }, { address: '127.0.0.1', family: 4 }]);
        else cb(null, '::1', 6);
      };
      const agent = agentKind === 'false' ? false : new lib.Agent({ keepAlive: false });
      const body = await new Promise<string>((resolve, reject) => {
        lib.get({ host: 'dual.invalid', port, lookup, agent, autoSelectFamily: true, autoSelectFamilyAttemptTimeout: 100 } as never, (res) => {
          let b = '';
          res.on('data', (d: Buffer) => (b += d.toString()));
          res.on('end', () => resolve(b));
        }).on('error', reject);
      });
      seen[lib.name]!.push(body);
      if (agent) agent.destroy();
    }
  }
  assert.ok(seen.node!.includes('127.0.0.1'), 'node reached the IPv4 address (oracle sanity)');
  assert.deepEqual(seen.trama, seen.node);
  await close(server);
});

test('every ClientRequest member of the issue list: same types and same state as node at each step of a request', async () => {
  const server = http.createServer((req, res) => res.end('x'));
  const port = await listen(server);
  const methods = ['abort', 'destroy', 'end', 'flushHeaders', 'getHeader', 'getHeaders', 'getHeaderNames', 'getRawHeaderNames', 'hasHeader', 'removeHeader', 'setHeader', 'setNoDelay', 'setSocketKeepAlive', 'setTimeout', 'write', 'cork', 'uncork'];
  const snapshot = (req: http.ClientRequest, step: string): unknown => ({
    step,
    types: methods.map((m) => `${m}:${typeof (req as unknown as Record<string, unknown>)[m]}`),
    path: req.path,
    method: req.method,
    host: req.host,
    protocol: req.protocol,
    aborted: req.aborted,
    destroyed: req.destroyed,
    finished: req.finished,
    reusedSocket: req.reusedSocket,
    maxHeadersCount: req.maxHeadersCount,
    writableEnded: req.writableEnded,
    writableFinished: req.writableFinished,
    writableCorked: req.writableCorked,
    headersSent: req.headersSent,
    hasSocket: req.socket !== null && req.socket !== undefined,
    headers: req.getHeaders(),
    names: req.getHeaderNames(),
    raw: req.getRawHeaderNames(),
    hasX: req.hasHeader('x-a'),
    getX: req.getHeader('X-A'),
  });
  const logs: Record<string, unknown[]> = { node: [], trama: [] };
  for (const lib of [NODE, TRAMA]) {
    const log = logs[lib.name]!;
    const agent = new lib.Agent({ keepAlive: true });
    for (let round = 0; round < 2; round++) {
      const req = lib.request({ host: '127.0.0.1', port, path: '/p?q', method: 'put', agent, headers: { 'X-A': '1', 'x-b': ['2', '3'] } });
      log.push(snapshot(req, 'created'));
      req.setHeader('X-C', 'c');
      req.removeHeader('x-b');
      req.cork();
      log.push(snapshot(req, 'corked'));
      req.write('ab');
      req.uncork();
      req.end('cd');
      log.push(snapshot(req, 'ended'));
      req.on('socket', () => log.push(snapshot(req, 'socket')));
      req.on('finish', () => log.push(snapshot(req, 'finish')));
      const closed = new Promise((r) => req.on('close', r));
      req.on('response', (res: http.IncomingMessage) => {
        log.push(snapshot(req, 'response'));
        res.resume();
      });
      await closed;
      log.push(snapshot(req, 'close'));
      await new Promise((r) => setImmediate(r));
    }
    agent.destroy();
  }
  assert.equal(logs.node!.length, 14);
  assert.deepEqual(logs.trama, logs.node);
  await close(server);
});
