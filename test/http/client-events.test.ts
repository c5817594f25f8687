// Event order of ClientRequest/IncomingMessage, compared with node:http on the same server, for a
// successful request and each abort/destroy timing listed in node's documentation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type * as net from 'node:net';
import { NODE, TRAMA, listen, close, rawServer, record, type ClientLib } from './client-support.js';

type Scenario = (lib: ClientLib, port: number, log: string[]) => Promise<void>;

/** Run `scenario` with node:http then trama against `makeServer()`, and compare the logs. */
async function compare(makeServer: () => net.Server, scenario: Scenario): Promise<string[]> {
  const logs: string[][] = [];
  for (const lib of [NODE, TRAMA]) {
    const server = makeServer();
    const port = await listen(server);
    const log: string[] = [];
    await scenario(lib, port, log);
    await close(server);
    logs.push(log);
  }
  assert.deepEqual(logs[1], logs[0], `trama's events differ from node's`);
  return logs[0]!;
}

const hello = (): net.Server =>
  http.createServer((req, res) => {
    res.end('hello');
  });

test('successful GET on a keep-alive agent: socket, finish, response, data, end, close', async () => {
  const log = await compare(hello, async (lib, port, log) => {
    const agent = new lib.Agent({ keepAlive: true });
    await record(lib.get({ port, host: '127.0.0.1', agent }), log);
    agent.destroy();
  });
  assert.deepEqual(log, ['req socket', 'req finish', 'response 200', 'res data 5', 'res end', 'req close', 'res close']);
});

test('successful GET without keep-alive (agent: false): the socket closes after the response', async () => {
  const log = await compare(hello, async (lib, port, log) => {
    await record(lib.get({ port, host: '127.0.0.1', agent: false }), log);
  });
  assert.deepEqual(log, ['req socket', 'req finish', 'response 200', 'res data 5', 'res end', 'res close', 'req close']);
});

test('POST with a body, then the reused socket for a second request', async () => {
  const server = (): net.Server =>
    http.createServer((req, res) => {
      let n = 0;
      req.on('data', (d: Buffer) => (n += d.length));
      req.on('end', () => res.end(`${req.method} ${n} ${req.headers['transfer-encoding'] ?? req.headers['content-length']}`));
    });
  await compare(server, async (lib, port, log) => {
    const agent = new lib.Agent({ keepAlive: true, maxSockets: 1 });
    const a = lib.request({ port, host: '127.0.0.1', agent, method: 'POST' });
    a.write('abc');
    a.end('def');
    const pa = record(a, log, { onResponse: (r) => r.setEncoding('utf8') });
    a.on('response', (r) => r.on('data', (d: string) => log.push(`body ${d}`)));
    await pa;
    const b = lib.request({ port, host: '127.0.0.1', agent, method: 'PUT', headers: { 'content-length': 2 } });
    b.end('xy');
    b.on('response', (r) => r.on('data', (d: Buffer) => log.push(`body ${d.toString()}`)));
    await record(b, log);
    log.push(`reused ${b.reusedSocket}`);
    agent.destroy();
  });
});

test('connection refused: socket, error, close', async () => {
  const log = await compare(hello, async (lib, _port, log) => {
    // A port nobody listens on: the one of a server we just closed.
    const s = http.createServer();
    const dead = await listen(s);
    await close(s);
    await record(lib.get({ port: dead, host: '127.0.0.1', agent: false }), log);
  });
  assert.equal(log[0], 'req socket');
  assert.match(log[1]!, /^req error ECONNREFUSED/);
  assert.equal(log[2], 'req close');
});

test('premature close before the response: socket hang up (ECONNRESET)', async () => {
  const server = (): net.Server => rawServer((socket) => socket.destroy());
  const log = await compare(server, async (lib, port, log) => {
    await record(lib.get({ port, host: '127.0.0.1', agent: false }), log);
  });
  assert.deepEqual(log, ['req socket', 'req finish', 'req error ECONNRESET socket hang up', 'req close']);
});

test('premature close after the response started: aborted, close, res error aborted', async () => {
  const server = (): net.Server =>
    rawServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc', () => setImmediate(() => socket.destroy()));
    });
  const log = await compare(server, async (lib, port, log) => {
    await record(lib.get({ port, host: '127.0.0.1', agent: false }), log);
  });
  assert.deepEqual(log.slice(-4), ['res aborted', 'req close', 'res error ECONNRESET aborted', 'res close']);
});

test('destroy() before a socket is assigned: error socket hang up, close', async () => {
  const log = await compare(hello, async (lib, port, log) => {
    const req = lib.get({ port, host: '127.0.0.1', agent: false });
    const p = record(req, log);
    req.destroy();
    await p;
  });
  assert.deepEqual(log, ['req error ECONNRESET socket hang up', 'req close']);
});

test('destroy(err) before a socket is assigned: error err, close', async () => {
  await compare(hello, async (lib, port, log) => {
    const req = lib.get({ port, host: '127.0.0.1', agent: false });
    const p = record(req, log);
    req.destroy(Object.assign(new Error('mine'), { code: 'EMINE' }));
    await p;
  });
});

test('destroy() before the connection is made: socket, error, close', async () => {
  const log = await compare(hello, async (lib, port, log) => {
    const req = lib.get({ port, host: '127.0.0.1', agent: false });
    req.on('socket', () => req.destroy());
    await record(req, log);
  });
  assert.deepEqual(log, ['req socket', 'req error ECONNRESET socket hang up', 'req close']);
});

test('destroy() after the response arrived: aborted, close, res error aborted, res close', async () => {
  const server = (): net.Server =>
    http.createServer((req, res) => {
      res.write('part');
    });
  await compare(server, async (lib, port, log) => {
    const req = lib.get({ port, host: '127.0.0.1', agent: false });
    const p = record(req, log, { onResponse: (r) => r.once('data', () => req.destroy()) });
    await p;
  });
});

test('abort() before a socket is assigned: close, then abort (what node does)', async () => {
  const log = await compare(hello, async (lib, port, log) => {
    const req = lib.get({ port, host: '127.0.0.1', agent: false });
    const p = record(req, log);
    req.abort();
    await p;
  });
  // node emits 'close' before the deferred 'abort' here (its docs list them the other way round).
  assert.deepEqual(log, ['req close', 'req abort']);
});

test('abort() before the connection is made: socket, abort, error, close', async () => {
  await compare(hello, async (lib, port, log) => {
    const req = lib.get({ port, host: '127.0.0.1', agent: false });
    req.on('socket', () => req.abort());
    await record(req, log);
  });
});

test('abort() after the response arrived', async () => {
  const server = (): net.Server =>
    http.createServer((req, res) => {
      res.write('part');
    });
  await compare(server, async (lib, port, log) => {
    const req = lib.get({ port, host: '127.0.0.1', agent: false });
    await record(req, log, { onResponse: (r) => r.once('data', () => req.abort()) });
  });
});

test('AbortSignal: aborting destroys the request with an AbortError', async () => {
  await compare(hello, async (lib, port, log) => {
    const ac = new AbortController();
    const req = lib.get({ port, host: '127.0.0.1', agent: false, signal: ac.signal });
    req.on('error', (e) => log.push(`name ${e.name}`));
    req.on('socket', () => ac.abort());
    await record(req, log);
  });
});

test('timeout option: the request emits timeout when the server is silent; destroy ends it', async () => {
  const server = (): net.Server => rawServer(() => {});
  const log = await compare(server, async (lib, port, log) => {
    const req = lib.get({ port, host: '127.0.0.1', agent: false, timeout: 400 });
    req.on('timeout', () => req.destroy());
    await record(req, log);
  });
  assert.deepEqual(log, ['req socket', 'req finish', 'req timeout', 'req error ECONNRESET socket hang up', 'req close']);
});

test('setTimeout() on the request, on a keep-alive agent', async () => {
  const server = (): net.Server => rawServer(() => {});
  await compare(server, async (lib, port, log) => {
    const agent = new lib.Agent({ keepAlive: true });
    const req = lib.get({ port, host: '127.0.0.1', agent });
    req.setTimeout(400, () => {
      log.push('callback');
      req.destroy();
    });
    await record(req, log);
    agent.destroy();
  });
});

test('response without a response listener is dumped; the request still closes', async () => {
  await compare(hello, async (lib, port, log) => {
    const agent = new lib.Agent({ keepAlive: true });
    const req = lib.get({ port, host: '127.0.0.1', agent });
    await new Promise<void>((resolve) => {
      req.on('close', () => {
        log.push('close');
        resolve();
      });
    });
    agent.destroy();
  });
});

/**
 * The idle timeout of the 'timeout' scenario: each idle period must outlast the time a loaded
 * machine takes to deliver the previous write (at 30 ms a stalled loop saw extra expiries).
 */
const IDLE_TIMEOUT = 300;

test("'timeout': the request's fires once per socket, the response's once per idle period (node's listeners)", async () => {
  // The server sends the head, then one body byte each time the client reports an idle period:
  // the socket's idle timer re-arms on that activity, so it fires three times per request. The
  // second request reuses the keep-alive socket: its own 'timeout' fires once again.
  let serverSide: net.Socket | null = null;
  const makeServer = (): net.Server =>
    rawServer((socket) => {
      serverSide = socket;
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n');
    });
  const log = await compare(makeServer, async (lib, port, log) => {
    const agent = new lib.Agent({ keepAlive: true });
    for (let round = 0; round < 2; round++) {
      const req = lib.get({ port, host: '127.0.0.1', agent });
      req.setTimeout(IDLE_TIMEOUT);
      let idle = 0;
      await record(req, log, {
        onResponse: (res) =>
          res.on('timeout', () => {
            idle++;
            serverSide!.write('a');
            if (idle === 1) req.setTimeout(IDLE_TIMEOUT); // asking again does not re-arm the request's 'timeout'
          }),
      });
      log.push(`reused ${req.reusedSocket}`);
    }
    agent.destroy();
  });
  assert.equal(log.filter((e) => e === 'req timeout').length, 2);
  assert.equal(log.filter((e) => e === 'res data 1').length, 6);
  assert.deepEqual(log.filter((e) => e.startsWith('reused')), ['reused false', 'reused true']);
});
