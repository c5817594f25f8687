/**
 * `trama/hpack`: the HPACK encoder and decoder (RFC 7541) on their own, without sockets, for
 * proxies, test tools and other runtimes. See docs/hpack.md.
 *
 * @example
 * import { HpackEncoder, HpackDecoder } from 'trama/hpack';
 * const encoder = new HpackEncoder();
 * const decoder = new HpackDecoder();
 * decoder.decode(encoder.encode([[':method', 'GET'], [':path', '/']])); // [[':method','GET'],[':path','/']]
 */
export * from './wire/h2/hpack/index.js';
