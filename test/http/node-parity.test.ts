// Drop-in details (issue 11, lane facade): what a program written for node:http sees of the
// message classes and the Server, compared with node:http (the oracle) in the same run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as util from 'node:util';
import * as nodeHttp from 'node:http';
import * as trama from '../../src/index.js';
import { both, serveRaw, NODE_HTTP, TRAMA_HTTP, type ServerLib } from '../support/node-vs-trama.js';

const H = 'Host: x\r\n';

// ---- class names (item 5) ----

const EXPORTED = ['IncomingMessage', 'ServerResponse', 'OutgoingMessage', 'Server', 'ClientRequest', 'Agent'] as const;

function namesOf(lib: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const k of EXPORTED) out.push(`${k}.name=${(lib[k] as { name: string }).name}`);
  const L = lib as unknown as typeof nodeHttp;
  const req = new L.IncomingMessage(null as never);
  const instances: object[] = [L.createServer(), req, new L.OutgoingMessage(), new L.ServerResponse(req), new L.Agent()];
  const cr = L.request('http://127.0.0.1:1/');
  cr.on('error', () => {});
  cr.destroy();
  instances.push(cr);
  for (const o of instances) {
    out.push(`${o.constructor.name} ${Object.prototype.toString.call(o)} ${util.inspect(o, { depth: 0 }).split(' ')[0]}`);
  }
  return out;
}

test('exported constructors and their instances carry node:http class names', () => {
  assert.deepEqual(namesOf(trama as unknown as Record<string, unknown>), namesOf(nodeHttp as unknown as Record<string, unknown>));
});

// ---- Server as node's plain function (item 6) ----

function serverForms(lib: ServerLib): string[] {
  const out: string[] = [];
  const argLists: unknown[][] = [
    ['foo'],
    [42],
    [true],
    [[]],
    [null],
    [undefined, () => {}],
    [null, () => {}],
    [() => {}],
    [{ requestTimeout: 'x' }],
    [{ keepAliveTimeout: 1.5 }],
    [{ headersTimeout: 10, requestTimeout: 5 }],
    [{ maxHeaderSize: -1 }],
    [{ requireHostHeader: 'no' }],
    [{ joinDuplicateHeaders: 1 }],
    [{ noDelay: 1, keepAlive: 'y', uniqueHeaders: 'a' }],
  ];
  const forms: [string, (a: unknown[]) => nodeHttp.Server][] = [
    ['new', (a) => new (lib.Server as unknown as new (...x: unknown[]) => nodeHttp.Server)(...a)],
    ['call', (a) => (lib.Server as unknown as (...x: unknown[]) => nodeHttp.Server)(...a)],
    ['createServer', (a) => (lib.createServer as unknown as (...x: unknown[]) => nodeHttp.Server)(...a)],
  ];
  for (const args of argLists) {
    for (const [how, make] of forms) {
      try {
        const s = make(args);
        out.push(`${how}(${util.inspect(args)}) ok request listeners=${s.listenerCount('request')} requestTimeout=${s.requestTimeout}`);
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        out.push(`${how}(${util.inspect(args)}) ${err.name} ${err.code} ${err.message}`);
      }
    }
  }
  return out;
}

test("Server/createServer argument forms and type errors are node's", () => {
  assert.deepEqual(serverForms(TRAMA_HTTP), serverForms(NODE_HTTP));
});

function inheritedServer(lib: ServerLib): string {
  const Base = lib.Server as unknown as { call(self: object, ...a: unknown[]): unknown };
  function MyServer(this: { mine?: boolean }, opts: object) {
    Base.call(this, opts, (_req: unknown, res: nodeHttp.ServerResponse) => res.end('inherited'));
    this.mine = true;
  }
  util.inherits(MyServer, lib.Server as unknown as new () => object);
  const s = new (MyServer as unknown as new (o: object) => nodeHttp.Server & { mine: boolean })({ keepAliveTimeout: 7000 });
  return [
    s instanceof lib.Server,
    s.mine,
    s.keepAliveTimeout,
    s.listenerCount('request'),
    s.listenerCount('connection'),
    s.listenerCount('listening'),
    s.constructor.name,
    s.maxHeadersCount,
    s.timeout,
  ].join(' ');
}

test('util.inherits(MyServer, http.Server) with Server.call(this, …) initializes the subclass object, as node', async () => {
  assert.equal(inheritedServer(TRAMA_HTTP), inheritedServer(NODE_HTTP));
  // …and it serves.
  const Base = trama.Server as unknown as { call(self: object, ...a: unknown[]): unknown };
  function MyServer(this: object) {
    Base.call(this, (_req: unknown, res: nodeHttp.ServerResponse) => res.end('inherited'));
  }
  util.inherits(MyServer, trama.Server as unknown as new () => object);
  const s = new (MyServer as unknown as new () => nodeHttp.Server)();
  const r = await serveWith(s, [`GET / HTTP/1.1\r\n${H}Connection: close\r\n\r\n`]);
  assert.match(r, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\ninherited$/);
});

test('class extends Server still works, and Server() without new returns a server', () => {
  class Sub extends (trama.Server as unknown as typeof nodeHttp.Server) {
    extra = 1;
    constructor() {
      super({ keepAliveTimeout: 9000 });
    }
  }
  const s = new Sub();
  assert.equal(s instanceof trama.Server, true);
  assert.equal(s.keepAliveTimeout, 9000);
  assert.equal(s.extra, 1);
  assert.equal(s.constructor.name, 'Sub');
  const plain = (trama.Server as unknown as () => nodeHttp.Server)();
  assert.equal(plain instanceof trama.Server, true);
});

/** Listen `server` on port 0, send raw chunks, collect until close; the server is closed after. */
async function serveWith(server: nodeHttp.Server, chunks: string[]): Promise<string> {
  const { listen, rawExchange, closeServer } = await import('../support/node-vs-trama.js');
  const port = await listen(server);
  try {
    return (await rawExchange(port, chunks)).text;
  } finally {
    await closeServer(server);
  }
}

export { both, serveRaw };
