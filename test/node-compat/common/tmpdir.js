// node's test/common/tmpdir, for the scripts run by scripts/node-compat.mjs: one scratch folder
// per process (unix socket paths stay well under the 108-byte limit), removed at exit.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const dir = path.join(os.tmpdir(), `trama-node-compat-${process.pid}`);

function refresh() {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
}

process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

module.exports = {
  path: dir,
  refresh,
  resolve: (...parts) => path.join(dir, ...parts),
  fileURL: (...parts) => require('node:url').pathToFileURL(path.join(dir, ...parts)),
  hasEnoughSpace: () => true,
};
