import { resolve } from 'node:path';

/** The repository root: tests run from it (`npm test`). */
export const REPO_ROOT = process.cwd();
/** The team's shared folder (specs, conformance data), beside the checkout; TRAMA_SHARED overrides. */
export const SHARED = process.env.TRAMA_SHARED ?? resolve(REPO_ROOT, '../shared');
