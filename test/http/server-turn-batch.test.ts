// Responses written after a read's requests were dispatched (on the request's 'end', after an
// `await`, from a later turn) leave in one socket write per turn, as the synchronous ones leave in
// one write per read; 'finish' keeps node's timing (after the write's callback) and nothing is
// lost or reordered when the socket goes away meanwhile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import type * as http from 'node:http';
import { listen, closeServer, rawExchange, once, both, TRAMA_HTTP, statusCodes, type ServerLib } from '../support/node-vs-trama.js';

const H = 'Host: x\r\n';
const TWO_GETS = `GET /1 HTTP/1.1\r\n${H}\r\nGET /2 HTTP/1.1\r\n${H}\r\n`;

/** Counts the server socket's writes that carry a response head. */
function countWrites(server: net.Server): { heads: number[] } {
  const seen = { heads: [] as number[] };
  server.on('connection', (socket: net.Socket) => {
    const write = socket.write;
    socket.write = function (this: net.Socket, ...args: unknown[]) {
      const data = args[0];
      const text = typeof data === 'string' ? data : Buffer.from(data as Uint8Array).toString('latin1');
      const heads = statusCodes(text).length;
      if (heads > 0) seen.heads.push(heads);
      return (write as (...a: unknown[]) => boolean).apply(this, args);
    } as typeof socket.write;
  });
  return seen;
}

const deferred: Record<string, http.RequestListener> = {
  "on the request's 'end'": (req, res) => {
    req.on('end', () => res.end(`body of ${req.url}`));
    req.resume();
  },
  'after an await': async (req, res) => {
    await Promise.resolve();
    res.end(`body of ${req.url}`);
  },
  'from setImmediate': (req, res) => {
    setImmediate(() => res.end(`body of ${req.url}`));
  },
};

for (const [shape, handler] of Object.entries(deferred)) {
  test(`two pipelined requests answered ${shape} leave in one socket write, in order`, async () => {
    const server = TRAMA_HTTP.createServer(handler);
    const writes = countWrites(server);
    const port = await listen(server);
    const ex = await rawExchange(port, [TWO_GETS], { until: (t) => t.endsWith('body of /2') });
    await closeServer(server);
    assert.deepEqual(statusCodes(ex.text), [200, 200]);
    assert.ok(ex.text.indexOf('body of /1') < ex.text.indexOf('body of /2'));
    assert.deepEqual(writes.heads, [2]);
  });
}

test("answered on 'end': the write callback, 'finish' and 'close' come in node's order", async () => {
  const run = async (lib: ServerLib): Promise<string[]> => {
    const events: string[] = [];
    const server = lib.createServer((req, res) => {
      res.on('finish', () => events.push(`${req.url} finish`));
      res.on('close', () => events.push(`${req.url} close`));
      req.on('end', () => {
        res.write(`a${req.url}`, () => events.push(`${req.url} write cb`));
        res.end(`b${req.url}`, () => events.push(`${req.url} end cb`));
        events.push(`${req.url} ended`);
      });
      req.resume();
    });
    const port = await listen(server);
    const ex = await rawExchange(port, [TWO_GETS], { until: (t) => t.endsWith('b/2\r\n0\r\n\r\n') });
    await closeServer(server);
    assert.deepEqual(statusCodes(ex.text), [200, 200]);
    return events;
  };
  const { node, trama } = await both(run);
  assert.deepEqual(trama, node);
});

test('a response ended in a later turn still flushes (and its first part, written in the read, went out before)', async () => {
  const { node, trama } = await both(async (lib) => {
    const events: string[] = [];
    const server = lib.createServer((_req, res) => {
      res.write('first;');
      res.on('finish', () => events.push('finish'));
      setImmediate(() =>
        setImmediate(() => {
          res.end('last', () => events.push('end cb'));
          events.push('ended');
        }),
      );
    });
    const port = await listen(server);
    const ex = await rawExchange(port, [`GET / HTTP/1.1\r\n${H}\r\n`], { until: (t) => t.endsWith('\r\n0\r\n\r\n') });
    await closeServer(server);
    return { body: ex.text.replace(/^[\s\S]*?\r\n\r\n/, ''), events };
  });
  assert.deepEqual(trama, node);
  assert.equal(trama.body, '6\r\nfirst;\r\n4\r\nlast\r\n0\r\n\r\n');
});

test('a response ended in the same turn the handler destroys the socket: the bytes go out first, then close', async () => {
  const server = TRAMA_HTTP.createServer((req, res) => {
    req.on('end', () => {
      res.end('bye');
      res.socket!.destroy();
    });
    req.resume();
  });
  const resClosed = new Promise<boolean>((resolve) => server.on('request', (_q, res: http.ServerResponse) => res.on('close', () => resolve(true))));
  const port = await listen(server);
  const ex = await rawExchange(port, [`GET / HTTP/1.1\r\n${H}\r\n`]);
  assert.equal(ex.closed, true);
  assert.ok(ex.text.endsWith('\r\n\r\nbye'), ex.text);
  assert.equal(await resClosed, true);
  await closeServer(server);
});

test('a response ended after the client went away: no error, res closes as in node, the server keeps serving', async () => {
  const { node, trama } = await both(async (lib) => {
    const server = lib.createServer((req, res) => {
      if (req.url === '/ok') {
        res.end('ok');
        return;
      }
      // Answers once the client is gone (req 'close' after the socket closed).
      req.on('close', () => {
        res.end('too late');
      });
    });
    const events: string[] = [];
    const outcome = new Promise<void>((resolve) =>
      server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
        if (req.url === '/ok') return;
        res.on('finish', () => events.push('finish'));
        res.on('error', (e) => events.push(`error ${(e as NodeJS.ErrnoException).code}`));
        res.on('close', () => {
          events.push('close');
          setImmediate(resolve);
        });
      }),
    );
    const port = await listen(server);
    const sock = net.connect(port, '127.0.0.1');
    await once(sock, 'connect');
    sock.write(`GET /gone HTTP/1.1\r\n${H}\r\n`);
    // The request reached the handler once the server reports it.
    await once(server, 'request');
    sock.destroy();
    await outcome;
    const ex = await rawExchange(port, [`GET /ok HTTP/1.1\r\n${H}\r\n`], { until: (t) => t.endsWith('ok') });
    await closeServer(server);
    return { events, codes: statusCodes(ex.text) };
  });
  assert.deepEqual(trama, node);
  assert.deepEqual(trama.codes, [200]);
});

for (const when of ['in the request listener', "on the request's 'end'"]) {
  test(`res.end() then res.socket.end() ${when}: the response is sent before the FIN, as in node`, async () => {
    const { node, trama } = await both(async (lib) => {
      const errors: string[] = [];
      const server = lib.createServer((req, res) => {
        const answer = (): void => {
          res.end('bye');
          res.socket!.end();
        };
        if (when === 'in the request listener') answer();
        else {
          req.on('end', answer);
          req.resume();
        }
      });
      server.on('clientError', (e: NodeJS.ErrnoException) => errors.push(e.code ?? e.message));
      const port = await listen(server);
      const ex = await rawExchange(port, [`GET / HTTP/1.1\r\n${H}\r\n`]);
      await closeServer(server);
      return { body: ex.text.slice(ex.text.indexOf('\r\n\r\n') + 4), closed: ex.closed, errors };
    });
    assert.deepEqual(trama, node);
    assert.deepEqual(trama, { body: 'bye', closed: true, errors: [] });
  });
}

/** Counts the server socket's writes as they reach the handle (a corked writev is one). */
function countHandleWrites(server: net.Server): { writes: number } {
  const seen = { writes: 0 };
  server.on('connection', (socket: net.Socket) => {
    const s = socket as net.Socket & { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void };
    const w = s._write;
    const wv = s._writev;
    s._write = function (this: net.Socket, ...a: unknown[]) {
      seen.writes++;
      return w.apply(this, a);
    };
    s._writev = function (this: net.Socket, ...a: unknown[]) {
      seen.writes++;
      return wv.apply(this, a);
    };
  });
  return seen;
}

// Bytes ≥ 0x80 too: a Buffer in the batch must leave as its bytes, never re-encoded as text.
const BINARY = Buffer.from([0x00, 0x7f, 0x80, 0xc3, 0xa9, 0xff, 0x0d, 0x0a]);

const bufferAnswers: Record<string, http.RequestListener> = {
  'in the request listener': (req, res) => res.end(Buffer.concat([Buffer.from(`${req.url}:`), BINARY])),
  "on the request's 'end'": (req, res) => {
    req.on('end', () => res.end(Buffer.concat([Buffer.from(`${req.url}:`), BINARY])));
    req.resume();
  },
};

for (const [when, handler] of Object.entries(bufferAnswers)) {
  test(`Buffer bodies answered ${when}: two pipelined responses, heads and bodies, leave in one write, bytes intact`, async () => {
    const server = TRAMA_HTTP.createServer(handler);
    const seen = countHandleWrites(server);
    const port = await listen(server);
    const tail = Buffer.concat([Buffer.from('/2:'), BINARY]).toString('latin1');
    const ex = await rawExchange(port, [TWO_GETS], { until: (t) => t.endsWith(tail) });
    await closeServer(server);
    assert.deepEqual(statusCodes(ex.text), [200, 200]);
    const bodies = ex.text.split(/HTTP\/1\.1 200 OK\r\n[\s\S]*?\r\n\r\n/).filter(Boolean);
    assert.deepEqual(bodies, [Buffer.concat([Buffer.from('/1:'), BINARY]).toString('latin1'), tail]);
    assert.equal(seen.writes, 1);
  });
}

test('res.write(buffer) callbacks, then finish, in node order when the Buffer rides the batch', async () => {
  const { node, trama } = await both(async (lib) => {
    const events: string[] = [];
    const server = lib.createServer((req, res) => {
      res.on('finish', () => events.push(`${req.url} finish`));
      res.write(Buffer.from(`a${req.url}`), () => events.push(`${req.url} write cb`));
      res.end(Buffer.from(`b${req.url}`), () => events.push(`${req.url} end cb`));
    });
    const port = await listen(server);
    const ex = await rawExchange(port, [TWO_GETS], { until: (t) => t.endsWith('b/2\r\n0\r\n\r\n') });
    await closeServer(server);
    assert.deepEqual(statusCodes(ex.text), [200, 200]);
    return events;
  });
  assert.deepEqual(trama, node);
});
