import { resolve } from 'node:path';

/** The repository root: tests run from it (`npm test`). */
export const REPO_ROOT = process.cwd();
/**
 * The folder holding `conformance/` and `specs/` (by default `../shared`, beside the clone).
 * Derived from TRAMA_CONFORMANCE, the one variable; tests find their data through
 * `conformance.ts`, which also skips when it is absent.
 */
export const SHARED = resolve(REPO_ROOT, process.env.TRAMA_CONFORMANCE ?? '../shared/conformance', '..');
