// Third-party conformance data (llhttp's fixtures, the http2jp HPACK stories, the RFC 9112
// smuggling cases) and the RFC texts some tests parse are not in this repository (licences
// differ, and they are read, never copied: DESIGN.md). This module is the one place that finds
// them, so a fresh clone without them runs the rest of the suite and says what it skipped.
//
// - TRAMA_CONFORMANCE: the conformance folder (llhttp/, hpack/, smuggling/); default
//   `../shared/conformance` beside the clone.
// - The RFC texts are looked up in `specs/` beside that folder (TRAMA_SPECS overrides).
// - Missing data → the file's tests skip with one line naming the path and where to get it;
//   with TRAMA_REQUIRE_PEERS=1 (CI) a missing folder fails the file instead.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test as nodeTest } from 'node:test';
import { REPO_ROOT } from './paths.js';

/** Where the conformance data is read from. */
export const CONFORMANCE_DIR = resolve(REPO_ROOT, process.env.TRAMA_CONFORMANCE ?? '../shared/conformance');
/** Where the RFC texts are read from. */
export const SPECS_DIR = resolve(REPO_ROOT, process.env.TRAMA_SPECS ?? join(dirname(CONFORMANCE_DIR), 'specs'));

/** Where each data set comes from, for the skip line. */
const SOURCES: Record<string, string> = {
  llhttp: 'the fixtures of github.com/nodejs/llhttp test/ (v9.4.2) flattened to cases.json, see docs/architecture.md#conformance-data',
  hpack: 'github.com/http2jp/hpack-test-case, see docs/architecture.md#conformance-data',
  smuggling: "the RFC 9112 framing cases (rfc-cases.json) kept in the team's shared folder, see docs/architecture.md#conformance-data",
  specs: 'the RFC texts from www.rfc-editor.org (rfcNNNN.txt), see docs/architecture.md#conformance-data',
};

/** A data set a test file needs. */
export interface ConformanceData {
  /** Absolute path of the data (a file or a folder). */
  readonly path: string;
  /** What it is, for the skip line: `conformance/llhttp/cases.json`, `specs/rfc7541.txt`. */
  readonly label: string;
  /** `false` when present; otherwise the one-line reason to pass as `{ skip }`. */
  readonly skip: string | false;
}

function locate(path: string, kind: string, label: string): ConformanceData {
  if (existsSync(path)) return { path, label, skip: false };
  const where = kind === 'specs' ? 'TRAMA_SPECS (or TRAMA_CONFORMANCE)' : 'TRAMA_CONFORMANCE';
  const reason = `conformance data not found at ${path}: set ${where} to a copy of ${SOURCES[kind]}`;
  if (process.env.TRAMA_REQUIRE_PEERS === '1') throw new Error(`TRAMA_REQUIRE_PEERS=1 but ${reason}`);
  return { path, label, skip: `skipped: ${reason}` };
}

/**
 * A file or folder under the conformance folder, e.g. `conformance('llhttp/cases.json')`.
 *
 * @example
 * const data = conformance('smuggling/rfc-cases.json');
 * if (data.skip) test('RFC smuggling cases', { skip: data.skip }, () => {});
 */
export function conformance(relative: string): ConformanceData {
  return locate(join(CONFORMANCE_DIR, relative), relative.split('/')[0]!, `conformance/${relative}`);
}

/**
 * An RFC text, e.g. `spec('rfc7541.txt')`.
 *
 * @example
 * const rfc = spec('rfc7541.txt');
 */
export function spec(file: string): ConformanceData {
  return locate(join(SPECS_DIR, file), 'specs', `specs/${file}`);
}

/**
 * node:test's `test` for a file whose tests all read `data`: itself when every data set is
 * there; otherwise a stand-in that registers one skipped test (the one clear line) and ignores
 * the file's tests. Read the data only when `!data.skip`.
 *
 * @example
 * const CASES = conformance('llhttp/cases.json');
 * const test = testsNeeding(CASES);
 */
export function testsNeeding(...data: ConformanceData[]): typeof nodeTest {
  const missing = data.find((d) => d.skip !== false);
  if (missing === undefined) return nodeTest;
  let registered = false;
  const standIn = (): void => {
    if (registered) return;
    registered = true;
    nodeTest(`needs ${missing.label}`, { skip: missing.skip }, () => {});
  };
  return standIn as unknown as typeof nodeTest;
}
