// The opt-in DNS cache: TTLs (fixed for dns.lookup, the records' own for dns.resolve*), shared
// in-flight queries, bounds, no caching of failures, and its use by the Agent; happy eyeballs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DnsCache, type DnsResolverLike, type LookupAddress } from '../../src/io/dns-cache.js';
import { Agent } from '../../src/http/agent.js';
import { get } from '../../src/http/client-request.js';

type Answer = { err?: NodeJS.ErrnoException; v4?: { address: string; ttl: number }[]; v6?: { address: string; ttl: number }[]; lookup?: LookupAddress[] };

function fakeResolver(table: Record<string, Answer>, counts: Record<string, number>): DnsResolverLike {
  const bump = (k: string): void => {
    counts[k] = (counts[k] ?? 0) + 1;
  };
  const notFound = (h: string): NodeJS.ErrnoException => Object.assign(new Error(`ENOTFOUND ${h}`), { code: 'ENOTFOUND' });
  return {
    lookup(h, _o, cb) {
      bump(`lookup ${h}`);
      const a = table[h];
      setImmediate(() => (a?.lookup ? cb(null, a.lookup) : cb(a?.err ?? notFound(h), [])));
    },
    resolve4(h, _o, cb) {
      bump(`resolve4 ${h}`);
      const a = table[h];
      setImmediate(() => (a?.v4 ? cb(null, a.v4) : cb(a?.err ?? notFound(h), [])));
    },
    resolve6(h, _o, cb) {
      bump(`resolve6 ${h}`);
      const a = table[h];
      setImmediate(() => (a?.v6 ? cb(null, a.v6) : cb(a?.err ?? notFound(h), [])));
    },
  };
}

function lookupP(cache: DnsCache, host: string, opts: { family?: number; all?: boolean } = {}): Promise<unknown> {
  return new Promise((resolve, reject) => cache.lookup(host, opts, (err, address, family) => (err ? reject(err) : resolve(opts.all ? address : [address, family]))));
}

test("'lookup' mode keeps an answer for the fixed ttl, then asks again", async () => {
  let now = 1000;
  const counts: Record<string, number> = {};
  const cache = new DnsCache({ ttl: 100, now: () => now, resolver: fakeResolver({ 'a.test': { lookup: [{ address: '10.0.0.1', family: 4 }] } }, counts) });
  assert.deepEqual(await lookupP(cache, 'a.test'), ['10.0.0.1', 4]);
  now += 99;
  assert.deepEqual(await lookupP(cache, 'A.TEST'), ['10.0.0.1', 4]);
  assert.equal(counts['lookup a.test'], 1);
  now += 1;
  await lookupP(cache, 'a.test');
  assert.equal(counts['lookup a.test'], 2);
});

test('concurrent look-ups of one name share one query', async () => {
  const counts: Record<string, number> = {};
  const cache = new DnsCache({ resolver: fakeResolver({ 'b.test': { lookup: [{ address: '10.0.0.2', family: 4 }] } }, counts) });
  const all = await Promise.all([lookupP(cache, 'b.test'), lookupP(cache, 'b.test'), lookupP(cache, 'b.test', { all: true })]);
  assert.deepEqual(all, [['10.0.0.2', 4], ['10.0.0.2', 4], [{ address: '10.0.0.2', family: 4 }]]);
  assert.equal(counts['lookup b.test'], 1);
});

test("'resolve' mode honours the records' TTL, clamped to [minTtl, maxTtl], IPv4 first", async () => {
  let now = 0;
  const counts: Record<string, number> = {};
  const table = {
    'c.test': { v4: [{ address: '10.0.0.3', ttl: 5 }], v6: [{ address: 'fd00::3', ttl: 2 }] },
    'd.test': { v4: [{ address: '10.0.0.4', ttl: 0 }] },
  };
  const cache = new DnsCache({ mode: 'resolve', minTtl: 1000, maxTtl: 60_000, now: () => now, resolver: fakeResolver(table, counts) });
  assert.deepEqual(await lookupP(cache, 'c.test', { all: true }), [
    { address: '10.0.0.3', family: 4 },
    { address: 'fd00::3', family: 6 },
  ]);
  assert.deepEqual(await lookupP(cache, 'c.test', { family: 6 }), ['fd00::3', 6]);
  now = 1999; // the smaller record TTL (2 s) rules
  await lookupP(cache, 'c.test');
  assert.equal(counts['resolve4 c.test'], 1);
  now = 2000;
  await lookupP(cache, 'c.test');
  assert.equal(counts['resolve4 c.test'], 2);
  // TTL 0 is raised to minTtl.
  await lookupP(cache, 'd.test');
  now += 999;
  await lookupP(cache, 'd.test');
  assert.equal(counts['resolve4 d.test'], 1);
});

test("'resolve' mode falls back to dns.lookup for names the DNS does not know (hosts file)", async () => {
  const counts: Record<string, number> = {};
  const cache = new DnsCache({ mode: 'resolve', resolver: fakeResolver({ 'e.test': { lookup: [{ address: '127.0.0.1', family: 4 }] } }, counts) });
  assert.deepEqual(await lookupP(cache, 'e.test'), ['127.0.0.1', 4]);
  assert.equal(counts['lookup e.test'], 1);
});

test('failures are not cached; family mismatch is ENOTFOUND; IP literals skip the resolver', async () => {
  const counts: Record<string, number> = {};
  const table: Record<string, Answer> = {};
  const cache = new DnsCache({ resolver: fakeResolver(table, counts) });
  await assert.rejects(lookupP(cache, 'f.test'), { code: 'ENOTFOUND' });
  table['f.test'] = { lookup: [{ address: '10.0.0.6', family: 4 }] };
  assert.deepEqual(await lookupP(cache, 'f.test'), ['10.0.0.6', 4]);
  assert.equal(counts['lookup f.test'], 2);
  await assert.rejects(lookupP(cache, 'f.test', { family: 6 }), { code: 'ENOTFOUND' });
  assert.deepEqual(await lookupP(cache, '127.0.0.1'), ['127.0.0.1', 4]);
  assert.deepEqual(await lookupP(cache, '::1', { all: true }), [{ address: '::1', family: 6 }]);
  assert.equal(Object.keys(counts).length, 1);
});

test('maxEntries bounds the cache (oldest evicted first)', async () => {
  const counts: Record<string, number> = {};
  const table: Record<string, Answer> = {};
  for (const h of ['g1', 'g2', 'g3']) table[h] = { lookup: [{ address: '10.0.0.7', family: 4 }] };
  const cache = new DnsCache({ maxEntries: 2, resolver: fakeResolver(table, counts) });
  await lookupP(cache, 'g1');
  await lookupP(cache, 'g2');
  await lookupP(cache, 'g3');
  assert.equal(cache.size, 2);
  await lookupP(cache, 'g1');
  assert.equal(counts['lookup g1'], 2);
  assert.equal(counts['lookup g3'], 1);
});

test('bad options are rejected', () => {
  assert.throws(() => new DnsCache({ ttl: -1 }), RangeError);
  assert.throws(() => new DnsCache({ mode: 'x' as never }), TypeError);
});

test('an Agent with dnsCache resolves each name once across connections', async () => {
  const server = http.createServer((req, res) => res.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const counts: Record<string, number> = {};
  const cache = new DnsCache({ resolver: fakeResolver({ 'svc.test': { lookup: [{ address: '127.0.0.1', family: 4 }] } }, counts) });
  // keepAlive off: every request opens a connection, so every request needs an address.
  const agent = new Agent({ dnsCache: cache });
  for (let i = 0; i < 3; i++) {
    await new Promise<void>((resolve, reject) => {
      get({ host: 'svc.test', port, agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      }).on('error', reject);
    });
  }
  assert.equal(counts['lookup svc.test'], 1);
  assert.equal(agent.dnsCache, cache);
  await new Promise((r) => server.close(r));
});

test('happy eyeballs: autoSelectFamily tries the addresses in turn', async () => {
  const server = http.createServer((req, res) => res.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const lookup = (_h: string, _o: unknown, cb: (e: null, a: LookupAddress[]) => void): void =>
    cb(null, [
      { address: '::1', family: 6 },
      { address: '127.0.0.1', family: 4 },
    ]);
  const attempted = await new Promise<string[]>((resolve, reject) => {
    const req = get({ host: 'dual.test', port, lookup, autoSelectFamily: true, autoSelectFamilyAttemptTimeout: 50, agent: false } as never, (res) => {
      res.resume();
      resolve((req.socket as unknown as { autoSelectFamilyAttemptedAddresses: string[] }).autoSelectFamilyAttemptedAddresses);
    });
    req.on('error', reject);
  });
  assert.equal(attempted.at(-1), `127.0.0.1:${port}`);
  await new Promise((r) => server.close(r));
});
