// node's test/common/fixtures: files from node's test/fixtures (keys and certificates for the
// https scripts). The folder sits next to the scripts' folder (scripts/node-compat.mjs passes it
// as NODE_TEST_DIR); it is node's, and not kept in this repository.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const base = process.env.NODE_TEST_DIR
  ? path.join(process.env.NODE_TEST_DIR, 'fixtures')
  : path.join(path.dirname(require.main?.filename ?? process.cwd()), '..', 'fixtures');

const fixturePath = (...parts) => path.join(base, ...parts);

module.exports = {
  fixturesDir: base,
  path: fixturePath,
  fileURL: (...parts) => require('node:url').pathToFileURL(fixturePath(...parts)),
  readSync: (parts, enc) => fs.readFileSync(fixturePath(...[].concat(parts)), enc),
  readKey: (name, enc) => fs.readFileSync(fixturePath('keys', name), enc),
  get utf8TestText() {
    return fs.readFileSync(fixturePath('utf8_test_text.txt'), 'utf8');
  },
};
