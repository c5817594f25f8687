/**
 * RFC 7541 §5.2 and Appendix B: the static Huffman code for string literals.
 *
 * Encoding walks the code table with a small bit accumulator (codes are up to 30 bits; a code
 * longer than 24 bits is written in two parts so every shift stays inside 32-bit integers).
 *
 * Decoding is a nibble-driven state machine built once at load (the nghttp2 approach): the states
 * are the 256 internal nodes of the code tree, and `DECODE[state * 16 + nibble]` gives the next
 * state and the symbol completed on the way, if any (the shortest code is 5 bits, so a 4-bit
 * step completes at most one). That is two table reads per input octet and no branching on bits.
 * An octet table (one read per octet, up to two symbols per step) was tried: about 1.2× faster on
 * Huffman strings but 256 KiB and ~15 ms to build at load, against 16 KiB and ~3 ms here.
 * RFC 7541 §5.2 errors:
 * - the EOS symbol inside a string is a decoding error (the step lands on the EOS leaf);
 * - padding longer than 7 bits, or padding that is not the most significant bits of EOS (all
 *   ones), is a decoding error: the string may only end in a state reached from the root by at
 *   most 7 one-bits (`ACCEPTING`).
 */
import { HUFFMAN_CODES, HUFFMAN_LENGTHS } from './huffman-table.js';

const EOS = 256;
/** Decoder step flag: the step completed a symbol (in bits 10..17). */
const EMIT = 0x200;
/** Decoder step "next state" value meaning the step decoded EOS. */
const FAIL = 0x100;

/** `DECODE[state << 4 | nibble]` = next state (or FAIL) | EMIT | symbol << 10. */
const DECODE = new Uint32Array(256 * 16);
/** `ACCEPTING[state]` = 1 when a string may end in that state (only EOS-prefix padding left). */
const ACCEPTING = new Uint8Array(256);

(function buildDecoder(): void {
  // The code tree: internal nodes get ids 0..255 (0 = root); a child slot holds a node id, or
  // -(symbol + 1) for a leaf. 257 leaves in a full binary tree means exactly 256 internal nodes.
  const zero = new Int32Array(256);
  const one = new Int32Array(256);
  let nodes = 1;
  for (let sym = 0; sym <= EOS; sym++) {
    const code = HUFFMAN_CODES[sym]!;
    const len = HUFFMAN_LENGTHS[sym]!;
    let node = 0;
    for (let i = len - 1; i >= 0; i--) {
      const children = ((code >>> i) & 1) === 1 ? one : zero;
      if (i === 0) children[node] = -(sym + 1);
      else {
        if (children[node] === 0) children[node] = nodes++;
        node = children[node]!;
      }
    }
  }
  // The root is never a child, so a 0 child slot cannot mean "the root": the tree is full.
  for (let state = 0; state < 256; state++) {
    for (let nibble = 0; nibble < 16; nibble++) {
      let node = state;
      let entry = 0;
      let failed = false;
      for (let i = 3; i >= 0; i--) {
        const child = (((nibble >>> i) & 1) === 1 ? one : zero)[node]!;
        if (child >= 0) {
          node = child;
          continue;
        }
        const sym = -child - 1;
        if (sym === EOS) {
          failed = true;
          break;
        }
        entry = EMIT | (sym << 10);
        node = 0;
      }
      DECODE[(state << 4) | nibble] = failed ? FAIL : entry | node;
    }
  }
  // States reachable from the root by 0..7 one-bits: valid places for a string to end.
  let node = 0;
  for (let depth = 0; depth <= 7; depth++) {
    ACCEPTING[node] = 1;
    node = one[node]!;
  }
})();

/**
 * Octets the Huffman code of `str` takes (each char is one octet: its code unit's low byte).
 *
 * @example
 * huffmanEncodedLength('www.example.com'); // 12 (RFC 7541 C.4.1)
 */
export function huffmanEncodedLength(str: string): number {
  let bits = 0;
  for (let i = 0; i < str.length; i++) bits += HUFFMAN_LENGTHS[str.charCodeAt(i) & 0xff]!;
  return (bits + 7) >>> 3;
}

/**
 * Write the Huffman code of `str` at `out[pos]`, padded with the high bits of EOS (ones).
 * Returns the position after it; `out` must have room for {@link huffmanEncodedLength} octets.
 *
 * @example
 * const out = Buffer.alloc(12);
 * huffmanEncode('www.example.com', out, 0); // 12: f1e3 c2e5 f23a 6ba0 ab90 f4ff
 */
export function huffmanEncode(str: string, out: Uint8Array, pos: number): number {
  let acc = 0; // pending bits, right-aligned; fewer than 8 between symbols
  let nbits = 0;
  for (let i = 0; i < str.length; i++) {
    const sym = str.charCodeAt(i) & 0xff;
    let code = HUFFMAN_CODES[sym]!;
    let len = HUFFMAN_LENGTHS[sym]!;
    if (len > 24) {
      const hi = len - 16;
      acc = (acc << hi) | (code >>> 16);
      nbits += hi;
      while (nbits >= 8) {
        nbits -= 8;
        out[pos++] = acc >>> nbits;
      }
      acc &= (1 << nbits) - 1;
      code &= 0xffff;
      len = 16;
    }
    acc = (acc << len) | code;
    nbits += len;
    while (nbits >= 8) {
      nbits -= 8;
      out[pos++] = acc >>> nbits;
    }
    acc &= (1 << nbits) - 1;
  }
  // RFC 7541 §5.2: pad to an octet boundary with the most significant bits of EOS (all ones).
  if (nbits > 0) out[pos++] = (acc << (8 - nbits)) | (0xff >>> nbits);
  return pos;
}

/**
 * Decode the Huffman string `block[start, end)` into `out` (which must hold at least
 * `(end - start) * 8 / 5` octets: the shortest code is 5 bits). Returns the number of octets
 * written, or -1 for an RFC 7541 §5.2 violation (EOS decoded, bad or over-long padding).
 *
 * @example
 * const out = Buffer.alloc(32);
 * const n = huffmanDecode(Buffer.from('f1e3c2e5f23a6ba0ab90f4ff', 'hex'), 0, 12, out); // 15
 * out.latin1Slice(0, n); // 'www.example.com'
 */
export function huffmanDecode(block: Uint8Array, start: number, end: number, out: Uint8Array): number {
  let state = 0;
  let n = 0;
  for (let i = start; i < end; i++) {
    const b = block[i]!;
    let e = DECODE[(state << 4) | (b >>> 4)]!;
    if ((e & FAIL) !== 0) return -1;
    if ((e & EMIT) !== 0) out[n++] = e >>> 10;
    state = e & 0xff;
    e = DECODE[(state << 4) | (b & 0x0f)]!;
    if ((e & FAIL) !== 0) return -1;
    if ((e & EMIT) !== 0) out[n++] = e >>> 10;
    state = e & 0xff;
  }
  return ACCEPTING[state] === 1 ? n : -1;
}
