/**
 * node's command-line options that set node:http defaults, read from the process as node reads
 * them (its own argv options and NODE_OPTIONS): `--insecure-http-parser` makes lenient parsing
 * the default of every server and client request, `--max-http-header-size=N` sets
 * `http.maxHeaderSize` and the default head limit. A program run with these flags on node gets
 * the same defaults when trama is its http.
 */
import { DEFAULT_MAX_HEADER_SIZE } from '../wire/h1/parser.js';

function processOptions(): string[] {
  const fromEnv = (process.env.NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean);
  return [...fromEnv, ...process.execArgv];
}

function optionValue(args: string[], name: string): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith(`${name}=`)) value = a.slice(name.length + 1);
    else if (a === name && i + 1 < args.length) value = args[i + 1];
  }
  return value;
}

const args = processOptions();

/** `--insecure-http-parser`: lenient parsing unless a server or request says otherwise. */
export const PROCESS_INSECURE_HTTP_PARSER: boolean = args.includes('--insecure-http-parser');

/** `--max-http-header-size=N` (node's default 16 KiB when absent or not a positive integer). */
export const PROCESS_MAX_HEADER_SIZE: number = ((): number => {
  const v = Number(optionValue(args, '--max-http-header-size'));
  return Number.isInteger(v) && v > 0 ? v : DEFAULT_MAX_HEADER_SIZE;
})();
