/**
 * A small command-line parser, written by hand because the `trama` command needs what
 * node:util's `parseArgs` does not offer: curl's habits (`-XPOST`, bundled flags `-iL`,
 * repeated `-H`), an option whose value is optional (`--workers` alone means one per core),
 * and options after positionals (`trama get URL -v`).
 *
 * Decisions:
 * - `--` ends the options; everything after it is positional.
 * - A lone `-` is a positional (curl's "stdin/stdout").
 * - `--name=value` and `--name value` both work for options that take a value; an optional
 *   value is only taken from `--name=value` or from a next argument that looks like a number,
 *   so `--workers dir` keeps `dir` as a positional.
 * - Errors are `UsageError`s: the command prints one line and exits 2 (curl's
 *   "failed to parse command line").
 */
import { TramaError } from '../wire/shared/index.js';

/** How an option consumes arguments. */
export type OptionKind = 'flag' | 'value' | 'optional-number';

/** One option of a command. */
export interface OptionSpec {
  /** Long name without dashes (`max-time`). Also the key in the parsed result. */
  readonly name: string;
  /** One-letter short form without the dash (`H`). */
  readonly short?: string;
  readonly kind: OptionKind;
  /** Collect every occurrence (`-H a -H b`) instead of keeping the last. */
  readonly multiple?: boolean;
}

/** Parsed options: a flag is `true`, a value a string, a repeated value a string array. */
export type ParsedOptions = Record<string, string | boolean | string[] | undefined>;

/** The result of {@link parseCommandLine}. */
export interface ParsedCommandLine {
  readonly options: ParsedOptions;
  readonly positionals: string[];
  /** Every option occurrence in command-line order (curl keeps `-d`/`--data-binary` in order). */
  readonly sequence: ReadonlyArray<readonly [name: string, value: string | true]>;
}

/**
 * A command-line mistake: the message is shown as `trama: <message>` and the exit code is 2.
 *
 * @example
 * throw new UsageError('get needs a URL');
 */
export class UsageError extends TramaError {
  constructor(message: string) {
    super('ERR_TRAMA_USAGE', message);
  }
}

const NUMBER_RE = /^\d+$/;

/**
 * Parse `argv` against `specs`.
 *
 * @example
 * const { options, positionals } = parseCommandLine(['-XPOST', '-iL', 'http://x/'], [
 *   { name: 'request', short: 'X', kind: 'value' },
 *   { name: 'include', short: 'i', kind: 'flag' },
 *   { name: 'location', short: 'L', kind: 'flag' },
 * ]);
 * // options = { request: 'POST', include: true, location: true }, positionals = ['http://x/']
 */
export function parseCommandLine(argv: readonly string[], specs: readonly OptionSpec[]): ParsedCommandLine {
  const byLong = new Map<string, OptionSpec>();
  const byShort = new Map<string, OptionSpec>();
  for (const s of specs) {
    byLong.set(s.name, s);
    if (s.short !== undefined) byShort.set(s.short, s);
  }
  const options: ParsedOptions = {};
  const positionals: string[] = [];
  const sequence: Array<readonly [string, string | true]> = [];
  const store = (spec: OptionSpec, value: string | true): void => {
    sequence.push([spec.name, value]);
    if (spec.multiple === true) {
      const prev = options[spec.name];
      const list = Array.isArray(prev) ? prev : [];
      list.push(String(value));
      options[spec.name] = list;
    } else {
      options[spec.name] = value;
    }
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      const inline = eq === -1 ? undefined : arg.slice(eq + 1);
      const spec = byLong.get(name);
      if (spec === undefined) throw new UsageError(`unknown option --${name} (see --help)`);
      if (spec.kind === 'flag') {
        if (inline !== undefined) throw new UsageError(`option --${name} takes no value`);
        store(spec, true);
      } else if (spec.kind === 'value') {
        if (inline !== undefined) store(spec, inline);
        else if (i + 1 < argv.length) store(spec, argv[++i]!);
        else throw new UsageError(`option --${name} needs a value`);
      } else if (inline !== undefined) {
        store(spec, inline);
      } else if (i + 1 < argv.length && NUMBER_RE.test(argv[i + 1]!)) {
        store(spec, argv[++i]!);
      } else {
        store(spec, true);
      }
      continue;
    }
    if (arg.length > 1 && arg.startsWith('-')) {
      // A bundle of short options: flags until one that takes a value, which eats the rest.
      for (let j = 1; j < arg.length; j++) {
        const letter = arg[j]!;
        const spec = byShort.get(letter);
        if (spec === undefined) throw new UsageError(`unknown option -${letter} (see --help)`);
        if (spec.kind === 'flag') {
          store(spec, true);
          continue;
        }
        const rest = arg.slice(j + 1);
        if (rest !== '') store(spec, rest);
        else if (spec.kind === 'optional-number') {
          if (i + 1 < argv.length && NUMBER_RE.test(argv[i + 1]!)) store(spec, argv[++i]!);
          else store(spec, true);
        } else if (i + 1 < argv.length) store(spec, argv[++i]!);
        else throw new UsageError(`option -${letter} needs a value`);
        break;
      }
      continue;
    }
    positionals.push(arg);
  }
  return { options, positionals, sequence };
}

/**
 * The last value of a string option (repeated single options keep the last, as curl does).
 *
 * @example
 * stringOption({ output: ['a', 'b'] }, 'output'); // 'b'
 */
export function stringOption(options: ParsedOptions, name: string): string | undefined {
  const v = options[name];
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v[v.length - 1];
  return undefined;
}

/**
 * A non-negative decimal number option (`--max-time 2.5`), or a usage error.
 *
 * @example
 * numberOption({ 'max-time': '2.5' }, 'max-time'); // 2.5
 */
export function numberOption(options: ParsedOptions, name: string): number | undefined {
  const v = stringOption(options, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new UsageError(`option --${name}: expected a non-negative number, got "${v}"`);
  return n;
}

/**
 * An integer option within [min, max], or a usage error.
 *
 * @example
 * integerOption({ port: '8080' }, 'port', 0, 65535); // 8080
 */
export function integerOption(options: ParsedOptions, name: string, min: number, max: number): number | undefined {
  const v = stringOption(options, name);
  if (v === undefined) return undefined;
  if (!NUMBER_RE.test(v)) throw new UsageError(`option --${name}: expected an integer, got "${v}"`);
  const n = Number(v);
  if (n < min || n > max) throw new UsageError(`option --${name}: ${n} is out of range ${min}..${max}`);
  return n;
}

/**
 * Keep an error message on one line whatever it holds (a peer's text, a path with a newline).
 *
 * @example
 * oneLine('bad\r\nthing'); // 'bad thing'
 */
export function oneLine(message: string): string {
  return message.replace(/[\r\n]+/g, ' ').trim();
}
