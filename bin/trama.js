#!/usr/bin/env node
// The `trama` command's launcher: runs the built CLI (dist/esm/cli/main.js) and exits with
// its code once stdout and stderr are flushed. `npm run build` (or `npm start`) builds it.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { version } = require('../package.json');

let main;
try {
  ({ main } = await import('../dist/esm/cli/main.js'));
} catch (err) {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND') {
    process.stderr.write('trama: the CLI is not built yet; run `npm run build` first\n');
    process.exit(1);
  }
  throw err;
}

// Even a bug gets one line (TRAMA_DEBUG=1 shows the stack).
process.on('uncaughtException', (err) => {
  process.stderr.write(`trama: internal error: ${String(err && err.message ? err.message : err).replace(/[\r\n]+/g, ' ')}\n`);
  if (process.env.TRAMA_DEBUG === '1') process.stderr.write(`${err && err.stack}\n`);
  process.exit(1);
});

// A closed stdout (`trama get URL | head -c 10`) is the reader's choice, not a crash.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(23);
  throw err;
});

const code = await main(process.argv.slice(2), { version });
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
