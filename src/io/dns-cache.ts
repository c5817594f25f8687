/**
 * An opt-in DNS cache for the client's lookup step (node:http has none; browsers keep one).
 *
 * Decisions (see docs/client.md):
 * - Two sources. `'lookup'` (the default) asks `dns.lookup` — the OS resolver, so /etc/hosts,
 *   nsswitch and search domains behave exactly as without the cache — and keeps each answer for
 *   a fixed `ttl` (getaddrinfo does not report record TTLs). `'resolve'` asks `dns.resolve4` /
 *   `dns.resolve6` with `{ ttl: true }` and keeps each answer for the records' own TTL, clamped
 *   to [`minTtl`, `maxTtl`]; a name the DNS does not know (ENOTFOUND, ENODATA: e.g. a hosts-file
 *   name) falls back to `dns.lookup` with the fixed `ttl`.
 * - Concurrent look-ups of one name share one query (no thundering herd on a cold cache).
 * - Failures are not cached: the next request asks again.
 * - The cache is bounded (`maxEntries`, oldest evicted first) so a client that talks to many
 *   hosts does not grow without limit.
 * - IP literals never touch the cache or the resolver.
 *
 * The cache hands out a function with `dns.lookup`'s signature, so it plugs into
 * `net.connect({ lookup })` and therefore works with `family`, `hints` and `autoSelectFamily`
 * (happy eyeballs asks with `all: true`).
 */
import * as dns from 'node:dns';
import { isIP } from 'node:net';

/** Default lifetime of a `dns.lookup` answer: short enough to follow a DNS change within a minute. */
export const DEFAULT_DNS_TTL_MS = 30_000;
/** Floor for record TTLs in `'resolve'` mode: a TTL of 0 would defeat the cache entirely. */
export const DEFAULT_DNS_MIN_TTL_MS = 1_000;
/** Ceiling for record TTLs in `'resolve'` mode: a day-long TTL would pin a moved service. */
export const DEFAULT_DNS_MAX_TTL_MS = 300_000;
/** Names kept at once; the oldest entry is evicted past this. */
export const DEFAULT_DNS_MAX_ENTRIES = 1_000;

export interface LookupAddress {
  address: string;
  family: number;
}

export type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

export interface LookupOptionsLike {
  family?: number | string | undefined;
  hints?: number | undefined;
  all?: boolean | undefined;
  verbatim?: boolean | undefined;
  order?: string | undefined;
}

/** `dns.lookup`'s shape, as `net.connect({ lookup })` calls it. */
export type LookupFunction = (hostname: string, options: LookupOptionsLike, callback: LookupCallback) => void;

/** The resolver functions the cache calls; injectable for tests. */
export interface DnsResolverLike {
  lookup(hostname: string, options: { all: true; family?: number; hints?: number }, cb: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void): void;
  resolve4(hostname: string, options: { ttl: true }, cb: (err: NodeJS.ErrnoException | null, addresses: { address: string; ttl: number }[]) => void): void;
  resolve6(hostname: string, options: { ttl: true }, cb: (err: NodeJS.ErrnoException | null, addresses: { address: string; ttl: number }[]) => void): void;
}

export interface DnsCacheOptions {
  /** `'lookup'` (default): dns.lookup with a fixed `ttl`. `'resolve'`: record TTLs from dns.resolve4/6. */
  mode?: 'lookup' | 'resolve';
  /** Lifetime of a `dns.lookup` answer in ms. Default {@link DEFAULT_DNS_TTL_MS}. */
  ttl?: number;
  /** `'resolve'` mode: record TTLs below this are raised to it. Default {@link DEFAULT_DNS_MIN_TTL_MS}. */
  minTtl?: number;
  /** `'resolve'` mode: record TTLs above this are lowered to it. Default {@link DEFAULT_DNS_MAX_TTL_MS}. */
  maxTtl?: number;
  /** Names kept at once. Default {@link DEFAULT_DNS_MAX_ENTRIES}. */
  maxEntries?: number;
  /** The clock (ms); injectable for tests. Default `Date.now`. */
  now?: () => number;
  /** The resolver; injectable for tests. Default node:dns. */
  resolver?: DnsResolverLike;
}

interface Entry {
  addresses: LookupAddress[];
  expires: number;
}

type Waiter = (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void;

const nodeResolver: DnsResolverLike = {
  lookup: (h, o, cb) => dns.lookup(h, o, cb as (err: NodeJS.ErrnoException | null, a: dns.LookupAddress[]) => void),
  resolve4: (h, o, cb) => dns.resolve4(h, o, cb),
  resolve6: (h, o, cb) => dns.resolve6(h, o, cb),
};

/**
 * A TTL-honouring DNS cache. `cache.lookup` has `dns.lookup`'s signature.
 *
 * @example
 * const cache = new DnsCache({ ttl: 10_000 });
 * const agent = new Agent({ keepAlive: true, lookup: cache.lookup });
 * // or simply: new Agent({ dnsCache: { ttl: 10_000 } })
 */
export class DnsCache {
  readonly #mode: 'lookup' | 'resolve';
  readonly #ttl: number;
  readonly #minTtl: number;
  readonly #maxTtl: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  readonly #resolver: DnsResolverLike;
  // Map keeps insertion order: the first key is the oldest entry.
  readonly #entries = new Map<string, Entry>();
  readonly #pending = new Map<string, Waiter[]>();
  /** Queries sent to the resolver (for tests and stats). */
  queries = 0;

  constructor(options: DnsCacheOptions = {}) {
    this.#mode = options.mode ?? 'lookup';
    if (this.#mode !== 'lookup' && this.#mode !== 'resolve') throw new TypeError(`dnsCache.mode must be 'lookup' or 'resolve'`);
    this.#ttl = nonNegative(options.ttl, DEFAULT_DNS_TTL_MS, 'ttl');
    this.#minTtl = nonNegative(options.minTtl, DEFAULT_DNS_MIN_TTL_MS, 'minTtl');
    this.#maxTtl = nonNegative(options.maxTtl, DEFAULT_DNS_MAX_TTL_MS, 'maxTtl');
    this.#maxEntries = Math.max(1, nonNegative(options.maxEntries, DEFAULT_DNS_MAX_ENTRIES, 'maxEntries'));
    this.#now = options.now ?? Date.now;
    this.#resolver = options.resolver ?? nodeResolver;
    this.lookup = this.lookup.bind(this);
  }

  /** Number of names currently cached (expired entries included until touched). */
  get size(): number {
    return this.#entries.size;
  }

  /** Forget every cached answer. */
  clear(): void {
    this.#entries.clear();
  }

  /**
   * `dns.lookup`-compatible: `(hostname, options, cb)`; honours `family` (4, 6, 'IPv4', 'IPv6')
   * and `all`. Answers from the cache when fresh, else asks the resolver once.
   */
  lookup(hostname: string, options: LookupOptionsLike | number | LookupCallback, callback?: LookupCallback): void {
    let opts: LookupOptionsLike;
    let cb: LookupCallback;
    if (typeof options === 'function') {
      cb = options;
      opts = {};
    } else {
      cb = callback!;
      opts = typeof options === 'number' ? { family: options } : (options ?? {});
    }
    const family = normalizeFamily(opts.family);
    const ipFamily = isIP(hostname);
    if (ipFamily !== 0) {
      const addr = { address: hostname, family: ipFamily };
      process.nextTick(() => (opts.all ? cb(null, [addr]) : cb(null, hostname, ipFamily)));
      return;
    }
    const key = hostname.toLowerCase();
    const entry = this.#entries.get(key);
    if (entry !== undefined && entry.expires > this.#now()) {
      process.nextTick(answer, entry.addresses, family, opts.all === true, hostname, cb);
      return;
    }
    if (entry !== undefined) this.#entries.delete(key);
    const waiters = this.#pending.get(key);
    const waiter: Waiter = (err, addresses) => {
      if (err) cb(err, opts.all ? [] : '');
      else answer(addresses, family, opts.all === true, hostname, cb);
    };
    if (waiters !== undefined) {
      waiters.push(waiter);
      return;
    }
    this.#pending.set(key, [waiter]);
    this.#query(hostname, opts.hints, (err, addresses, ttlMs) => {
      const list = this.#pending.get(key) ?? [];
      this.#pending.delete(key);
      if (!err) this.#store(key, addresses, ttlMs);
      for (const w of list) w(err, addresses);
    });
  }

  #store(key: string, addresses: LookupAddress[], ttlMs: number): void {
    if (ttlMs <= 0 || addresses.length === 0) return;
    while (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
    this.#entries.set(key, { addresses, expires: this.#now() + ttlMs });
  }

  #query(hostname: string, hints: number | undefined, done: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[], ttlMs: number) => void): void {
    const viaLookup = (): void => {
      this.queries++;
      const o: { all: true; hints?: number } = { all: true };
      if (hints !== undefined) o.hints = hints;
      this.#resolver.lookup(hostname, o, (err, addresses) => done(err, addresses ?? [], this.#ttl));
    };
    if (this.#mode === 'lookup') {
      viaLookup();
      return;
    }
    // 'resolve': both families in parallel; the answer keeps the smaller record TTL.
    let left = 2;
    const found: LookupAddress[] = [];
    let ttl = Infinity;
    let firstErr: NodeJS.ErrnoException | null = null;
    const collect = (family: number) => (err: NodeJS.ErrnoException | null, recs: { address: string; ttl: number }[]) => {
      if (err) firstErr ??= err;
      else
        for (const r of recs) {
          found.push({ address: r.address, family });
          if (r.ttl * 1000 < ttl) ttl = r.ttl * 1000;
        }
      if (--left > 0) return;
      if (found.length === 0) {
        // Not in the DNS (hosts-file names, mDNS…): the OS resolver knows more.
        const code = firstErr?.code;
        if (code === 'ENOTFOUND' || code === 'ENODATA' || code === dns.NOTFOUND || code === dns.NODATA) viaLookup();
        else done(firstErr ?? Object.assign(new Error(`queryA ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), [], 0);
        return;
      }
      // IPv4 first, like dns.lookup's default 'ipv4first' order in node 20.
      found.sort((a, b) => a.family - b.family);
      done(null, found, Math.min(this.#maxTtl, Math.max(this.#minTtl, ttl)));
    };
    this.queries += 2;
    this.#resolver.resolve4(hostname, { ttl: true }, collect(4));
    this.#resolver.resolve6(hostname, { ttl: true }, collect(6));
  }
}

function answer(addresses: LookupAddress[], family: number, all: boolean, hostname: string, cb: LookupCallback): void {
  const list = family === 0 ? addresses : addresses.filter((a) => a.family === family);
  if (list.length === 0) {
    const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
      code: 'ENOTFOUND',
      errno: -3008,
      syscall: 'getaddrinfo',
      hostname,
    }) as NodeJS.ErrnoException;
    cb(err, all ? [] : '');
    return;
  }
  if (all) cb(null, list.map((a) => ({ address: a.address, family: a.family })));
  else cb(null, list[0]!.address, list[0]!.family);
}

function normalizeFamily(f: number | string | undefined): number {
  if (f === 4 || f === 'IPv4') return 4;
  if (f === 6 || f === 'IPv6') return 6;
  return 0;
}

function nonNegative(v: number | undefined, dflt: number, name: string): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !(v >= 0)) throw new RangeError(`dnsCache.${name} must be a non-negative number, got ${String(v)}`);
  return v;
}
