// The sans-I/O HTTP/2 engine against two more independent implementations: curl (libcurl +
// nghttp2, prior knowledge) and python-hyper/h2 (Debian python3-h2), a scripted client that
// drives flow control by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { header, peerAvailable, startTramaH2Server, tramaH2Requests } from '../support/h2-net-driver.js';
import { nginxDir, startNginx } from '../support/nginx.js';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

function run(bin: string, args: string[]): Promise<{ code: number; raw: Buffer; stderr: string }> {
  return new Promise((resolve) => {
    execFile(bin, args, { maxBuffer: 64 * 1024 * 1024, timeout: 60_000, encoding: 'buffer' }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, raw: stdout, stderr: stderr.toString() });
    });
  });
}

const CURL = peerAvailable('curl');
// python3-h2 is a Debian package: the interpreter alone is no peer.
const PYTHON_H2 = spawnSync('/usr/bin/python3', ['-c', 'import h2']).status === 0;
if (!PYTHON_H2 && process.env.TRAMA_REQUIRE_PEERS === '1') throw new Error('python3-h2 is required (TRAMA_REQUIRE_PEERS=1) but not installed');

function echoServer() {
  return startTramaH2Server((req) => {
    const path = header(req.headers, ':path') ?? '/';
    if (path === '/echo') return { status: 200, headers: [['x-len', String(req.body.length)]], body: req.body };
    return { status: 200, headers: [['content-type', 'text/plain']], body: `hello ${path}` };
  });
}

test('curl --http2-prior-knowledge → our server: GET and a 2 MiB upload echoed', { skip: CURL ? false : 'curl is not installed' }, async () => {
  const srv = await echoServer();
  const dir = mkdtempSync(join(tmpdir(), 'trama-h2c-'));
  try {
    const get = await run('curl', ['-sS', '--http2-prior-knowledge', `http://127.0.0.1:${srv.port}/curl`]);
    assert.equal(get.code, 0, get.stderr);
    assert.equal(get.raw.toString(), 'hello /curl');
    const body = Buffer.alloc(2 * 1024 * 1024);
    for (let i = 0; i < body.length; i++) body[i] = (i * 11) & 0xff;
    writeFileSync(join(dir, 'b.bin'), body);
    const post = await run('curl', ['-sS', '--http2-prior-knowledge', '--data-binary', `@${join(dir, 'b.bin')}`, `http://127.0.0.1:${srv.port}/echo`]);
    assert.equal(post.code, 0, post.stderr);
    assert.equal(sha(post.raw), sha(body));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await srv.close();
  }
});

// python-hyper/h2 client: five concurrent 300 kB uploads, windows driven by hand.
const PY_CLIENT = String.raw`import json, socket, sys
import h2.connection, h2.config, h2.events
port = int(sys.argv[1])
s = socket.create_connection(('127.0.0.1', port))
c = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True, header_encoding='utf-8'))
c.initiate_connection()
s.sendall(c.data_to_send())
body = bytes((i * 7) & 0xff for i in range(300000))
ids = []
for i in range(5):
    sid = c.get_next_available_stream_id()
    ids.append(sid)
    c.send_headers(sid, [(':method', 'POST'), (':scheme', 'http'), (':authority', 'x'), (':path', '/echo')])
pending = {sid: body for sid in ids}
res = {sid: {'body': b'', 'headers': None, 'ended': False} for sid in ids}
def pump_send():
    for sid in list(pending):
        data = pending[sid]
        while data:
            win = min(c.local_flow_control_window(sid), c.max_outbound_frame_size)
            if win <= 0: break
            c.send_data(sid, data[:win]); data = data[win:]
        pending[sid] = data
        if not data:
            c.end_stream(sid); del pending[sid]
pump_send(); s.sendall(c.data_to_send())
while not all(r['ended'] for r in res.values()):
    d = s.recv(65536)
    if not d: break
    for ev in c.receive_data(d):
        if isinstance(ev, h2.events.ResponseReceived): res[ev.stream_id]['headers'] = dict(ev.headers)
        elif isinstance(ev, h2.events.DataReceived):
            res[ev.stream_id]['body'] += ev.data
            c.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
        elif isinstance(ev, h2.events.StreamEnded): res[ev.stream_id]['ended'] = True
        elif isinstance(ev, h2.events.StreamReset): res[ev.stream_id]['ended'] = True; res[ev.stream_id]['reset'] = ev.error_code
    pump_send()
    s.sendall(c.data_to_send())
c.close_connection(); s.sendall(c.data_to_send()); s.close()
print(json.dumps([{'status': r['headers'].get(':status') if r['headers'] else None, 'ok': r['body'] == body, 'len': len(r['body'])} for r in res.values()]))
`;

test('python-hyper/h2 client → our server: 5 concurrent 300 kB uploads echoed', { skip: PYTHON_H2 ? false : 'python3-h2 (Debian) is not installed' }, async () => {
  const srv = await echoServer();
  try {
    const r = await run('/usr/bin/python3', ['-c', PY_CLIENT, String(srv.port)]);
    assert.equal(r.code, 0, r.stderr);
    const results = JSON.parse(r.raw.toString()) as Array<{ status: string; ok: boolean; len: number }>;
    assert.equal(results.length, 5);
    for (const x of results) assert.deepEqual(x, { status: '200', ok: true, len: 300000 });
  } finally {
    await srv.close();
  }
});

const NGINX = peerAvailable('nginx');

test('our client → nginx (its own HTTP/2 implementation, h2c): files, HEAD, 404, 30 streams', { skip: NGINX ? false : 'nginx is not installed' }, async () => {
  const dir = nginxDir();
  mkdirSync(join(dir, 'html'));
  writeFileSync(join(dir, 'html', 'index.html'), '<h1>nginx</h1>');
  const large = Buffer.alloc(2 * 1024 * 1024 + 3);
  for (let i = 0; i < large.length; i++) large[i] = (i * 5) & 0xff;
  writeFileSync(join(dir, 'html', 'large.bin'), large);
  const nginx = await startNginx((_port, d) => ({ listen: 'http2', server: `    root ${d}/html;` }), dir);
  const port = nginx.port;
  try {
    const { responses } = await tramaH2Requests(port, [
      { path: '/index.html' },
      { path: '/large.bin' },
      { path: '/index.html', method: 'HEAD' },
      { path: '/missing' },
      ...Array.from({ length: 30 }, () => ({ path: '/index.html' })),
    ]);
    assert.equal(responses[0]!.body.toString(), '<h1>nginx</h1>');
    assert.equal(sha(responses[1]!.body), sha(large));
    assert.equal(responses[2]!.status, 200);
    assert.equal(header(responses[2]!.headers, 'content-length'), '14');
    assert.equal(responses[2]!.body.length, 0, 'HEAD: content-length describes no DATA');
    assert.equal(responses[3]!.status, 404);
    for (const r of responses.slice(4)) assert.equal(r.body.toString(), '<h1>nginx</h1>');
  } finally {
    await nginx.stop();
  }
});

test('HTTP/1.1 Upgrade: h2c → our server: curl --http2 and nghttp -u switch protocols, then use h2', { skip: CURL ? false : 'curl is not installed' }, async () => {
  const srv = await startTramaH2Server((req) => ({ status: 200, headers: [['x-stream', String(req.streamId)]], body: `upgraded ${header(req.headers, ':path')}` }), {}, { allowUpgrade: true });
  try {
    const r = await run('curl', ['-sS', '-v', '--http2', `http://127.0.0.1:${srv.port}/up`, `http://127.0.0.1:${srv.port}/second`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.raw.toString(), 'upgraded /upupgraded /second');
    assert.match(r.stderr, /101 Switching Protocols/);
    assert.match(r.stderr, /x-stream: 1\r?\n/, 'the upgraded request is answered on stream 1');
    assert.match(r.stderr, /x-stream: 3\r?\n/, 'the next request is a new h2 stream on the same connection');
    assert.equal(srv.upgrades, 1);
    if (peerAvailable('nghttp')) {
      const n = await run('nghttp', ['-u', `http://127.0.0.1:${srv.port}/nghttp`]);
      assert.equal(n.code, 0, n.stderr);
      assert.equal(n.raw.toString(), 'upgraded /nghttp');
      assert.equal(srv.upgrades, 2);
    }
    // Prior knowledge still works on the same listener.
    const pk = await run('curl', ['-sS', '--http2-prior-knowledge', `http://127.0.0.1:${srv.port}/pk`]);
    assert.equal(pk.raw.toString(), 'upgraded /pk');
  } finally {
    await srv.close();
  }
});
