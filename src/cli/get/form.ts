/**
 * Request bodies `trama get` builds from curl's form options: `-F`/`--form-string` as a
 * `multipart/form-data` body (RFC 7578), `--data-urlencode` as one `application/x-www-form-urlencoded`
 * piece (joined with `-d` pieces by the caller).
 *
 * Decisions (curl's behaviour, checked against curl 7.88 on the same server):
 * - `-F name=value` a text field; `name=@file` a file part (`filename` = the file's base name,
 *   `Content-Type` guessed from its extension, else `application/octet-stream`); `name=<file`
 *   a text field holding the file's content; `@-`/`<-` read stdin. `;type=T` and
 *   `;filename=F` after a file (and `;type=` after a value) set those; a value in double quotes
 *   loses its quotes (so it may hold `;` or start with `@`). `--form-string` takes the value
 *   literally.
 * - In `name` and `filename`, `"`, CR and LF are percent-encoded (%22, %0D, %0A), as the HTML
 *   standard's multipart/form-data encoding does: a quote can never end the parameter early.
 * - The boundary is 24 dashes and 24 random hex digits (96 bits): a file containing it by chance
 *   is not a practical concern, and the body is never scanned for it (curl does not either).
 * - `--data-urlencode`: `content` → encoded, `=content` → encoded, `name=content` → name kept,
 *   content encoded, `@file` / `name@file` → the file's bytes encoded. Encoding keeps ALPHA,
 *   DIGIT and `-._~`, turns space into `+`, and percent-encodes every other UTF-8 byte.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { basename } from 'node:path';
import { UsageError } from '../args.js';
import { contentTypeFor } from '../serve/content-types.js';
import { ExitCode, GetError } from './exit-codes.js';

/** Reads a file or stdin (`-`). Injected so tests and the command share one reader. */
export type ReadSource = (file: string) => Promise<Buffer>;

/** One part of a multipart/form-data body. */
export interface FormPart {
  readonly name: string;
  readonly content: Buffer;
  readonly filename?: string;
  readonly contentType?: string;
}

/**
 * A fresh multipart boundary.
 *
 * @example
 * formBoundary(); // '------------------------3f9c…' (24 dashes, 24 hex digits)
 */
export function formBoundary(): string {
  return `${'-'.repeat(24)}${randomBytes(12).toString('hex')}`;
}

async function readOrFail(read: ReadSource, file: string, option: string): Promise<Buffer> {
  try {
    return await read(file);
  } catch (err) {
    // curl's exit code for data it could not read (26), with one line.
    throw new GetError(ExitCode.READ_ERROR, `${option}: Failed to read data from ${file}: ${(err as Error).message}`);
  }
}

/**
 * Parse one `-F` argument (or `--form-string` with `literal`) into a part.
 *
 * @example
 * await parseFormArg('avatar=@me.png;type=image/png', false, fsp.readFile);
 * // { name: 'avatar', content: <bytes>, filename: 'me.png', contentType: 'image/png' }
 */
export async function parseFormArg(arg: string, literal: boolean, read: ReadSource): Promise<FormPart> {
  const option = literal ? '--form-string' : '-F';
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new UsageError(`${option} ${JSON.stringify(arg)}: expected name=value`);
  const name = arg.slice(0, eq);
  const rest = arg.slice(eq + 1);
  if (literal) return { name, content: Buffer.from(rest, 'utf8') };
  if (rest.startsWith('@') || rest.startsWith('<')) {
    // `;type=` and `;filename=` follow the path; everything up to the first `;` is the path.
    const [path = '', ...params] = rest.slice(1).split(';');
    let contentType: string | undefined;
    let filename: string | undefined;
    for (const p of params) {
      if (p.startsWith('type=')) contentType = p.slice(5);
      else if (p.startsWith('filename=')) filename = p.slice(9);
      else throw new UsageError(`${option} ${JSON.stringify(arg)}: unknown parameter ${JSON.stringify(p)} (type= and filename= are understood)`);
    }
    if (path === '') throw new UsageError(`${option} ${JSON.stringify(arg)}: no file name after ${rest[0]}`);
    const content = await readOrFail(read, path, option);
    if (rest.startsWith('<')) return { name, content, ...(contentType !== undefined ? { contentType } : {}) };
    const shownName = filename ?? (path === '-' ? '-' : basename(path));
    // The serve table's types without their parameters (`text/plain`, not `…; charset=utf-8`): the
    // part's bytes are the file's, whatever its encoding.
    const guessed = contentTypeFor(shownName).split(';')[0]!.trim();
    return { name, content, filename: shownName, contentType: contentType ?? guessed };
  }
  let value = rest;
  let contentType: string | undefined;
  if (value.startsWith('"')) {
    // A quoted value: up to the closing quote, `\"` and `\\` unescaped; `;type=` may follow.
    let i = 1;
    let text = '';
    for (; i < value.length && value[i] !== '"'; i++) text += value[i] === '\\' && i + 1 < value.length ? value[++i] : value[i];
    if (i >= value.length) throw new UsageError(`${option} ${JSON.stringify(arg)}: unterminated quote`);
    const after = value.slice(i + 1);
    if (after.startsWith(';type=')) contentType = after.slice(6);
    else if (after !== '') throw new UsageError(`${option} ${JSON.stringify(arg)}: unexpected text after the quoted value`);
    value = text;
  } else {
    const m = /;type=([^;]*)$/.exec(value);
    if (m !== null) {
      contentType = m[1]!;
      value = value.slice(0, m.index);
    }
  }
  return { name, content: Buffer.from(value, 'utf8'), ...(contentType !== undefined ? { contentType } : {}) };
}

/** `"`, CR and LF percent-encoded: a quoted parameter value that cannot be broken out of. */
function quotedParam(s: string): string {
  return s.replace(/["\r\n]/g, (c) => (c === '"' ? '%22' : c === '\r' ? '%0D' : '%0A'));
}

/**
 * The multipart/form-data body of `parts` with `boundary` (RFC 7578; RFC 2046 §5.1.1 framing).
 *
 * @example
 * multipartBody([{ name: 'a', content: Buffer.from('1') }], 'XYZ').toString();
 * // '--XYZ\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--XYZ--\r\n'
 */
export function multipartBody(parts: readonly FormPart[], boundary: string): Buffer {
  const pieces: Buffer[] = [];
  for (const p of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${quotedParam(p.name)}"`;
    if (p.filename !== undefined) head += `; filename="${quotedParam(p.filename)}"`;
    head += '\r\n';
    if (p.contentType !== undefined && p.contentType !== '') head += `Content-Type: ${p.contentType}\r\n`;
    pieces.push(Buffer.from(`${head}\r\n`, 'utf8'), p.content, Buffer.from('\r\n'));
  }
  pieces.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(pieces);
}

/** Bytes kept as they are in a urlencoded form: ALPHA, DIGIT, `-._~`. */
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/**
 * application/x-www-form-urlencoded encoding of bytes: space → `+`, unreserved kept, the rest `%XX`.
 *
 * @example
 * formUrlEncode(Buffer.from('a b&c/é')); // 'a+b%26c%2F%C3%A9'
 */
export function formUrlEncode(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) {
    const c = String.fromCharCode(b);
    if (b === 0x20) out += '+';
    else if (b < 0x80 && UNRESERVED.test(c)) out += c;
    else out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * One `--data-urlencode` argument as the piece it adds to the form body.
 *
 * @example
 * await dataUrlencodePiece('q=a b', fsp.readFile); // 'q=a+b'
 * await dataUrlencodePiece('=a b', fsp.readFile); // 'a+b'
 */
export async function dataUrlencodePiece(arg: string, read: ReadSource): Promise<string> {
  const eq = arg.indexOf('=');
  if (eq !== -1) {
    const name = arg.slice(0, eq);
    const content = formUrlEncode(Buffer.from(arg.slice(eq + 1), 'utf8'));
    return name === '' ? content : `${name}=${content}`;
  }
  const at = arg.indexOf('@');
  if (at !== -1) {
    const name = arg.slice(0, at);
    const content = formUrlEncode(await readOrFail(read, arg.slice(at + 1), '--data-urlencode'));
    return name === '' ? content : `${name}=${content}`;
  }
  return formUrlEncode(Buffer.from(arg, 'utf8'));
}

/** The default reader: a file, or stdin for `-`. */
export const readSource: ReadSource = async (file) => {
  if (file !== '-') return fsp.readFile(file);
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
};
