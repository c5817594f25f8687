// The compat API ('request' handler) of trama/http2 against node:http2's, node:http2's client driving
// both: what the handler sees, what the client gets, event order. trama's req/res are its
// IncomingMessage/ServerResponse (the fast path, docs/http2.md); node's extra compat members are there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import nodeHttp2 from 'node:http2';
import { once } from 'node:events';
import { both, listenUrl as listen } from '../support/http2-parity.js';

test('compat: the request as the handler sees it, the response the client gets, trailers both ways, event order', async () => {
  const logs = await both(async (http2, log) => {
    let serverDone!: Promise<void>;
    const server = http2.createServer((req, res) => {
      const h = req.headers;
      log.push(`${req.httpVersion} ${req.method} ${req.url} authority=${req.authority === req.headers[':authority'] || req.authority === req.headers.host} scheme=${req.scheme}`);
      // node's compat headers also carry the pseudo-headers, trama's show :authority as host
      // instead (docs/http2.md, docs/h2-server.md).
      log.push(`x-a=${h['x-a']} cookie=${h.cookie} keys=${Object.keys(h).filter((k) => !k.startsWith(':') && k !== 'host').sort().join(',')}`);
      log.push(`stream id=${req.stream.id} same=${req.stream === res.stream} sessionType=${req.stream.session?.type} Http2ServerRequest=${req instanceof http2.Http2ServerRequest} Http2ServerResponse=${res instanceof http2.Http2ServerResponse}`);
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      serverDone = new Promise((resolve) => res.on('close', () => {
        log.push(`res close finished=${res.writableFinished}`);
        resolve();
      }));
      req.on('end', () => {
        log.push(`body ${body} trailers ${JSON.stringify(req.trailers)} complete=${req.complete}`);
        res.setHeader('x-b', ['1', '2']);
        res.writeHead(202, { 'content-type': 'text/plain' });
        res.addTrailers({ 'x-t': 'done' });
        log.push(`headersSent=${res.headersSent} statusCode=${res.statusCode}`);
        res.write('a');
        res.end('b');
      });
      res.on('finish', () => log.push('res finish'));
    });
    const url = await listen(server);
    const client = nodeHttp2.connect(url);
    const req = client.request({ ':method': 'POST', ':path': '/p?q=1', 'x-a': 'A', cookie: ['c=1', 'd=2'] }, { waitForTrailers: true });
    req.on('wantTrailers', () => req.sendTrailers({ 'x-up': 'u' }));
    req.end('hello');
    const [h] = (await once(req, 'response')) as [nodeHttp2.IncomingHttpHeaders];
    const clientLog = [`client ${h[':status']} x-b=${h['x-b']} type=${h['content-type']} date=${typeof h.date}`];
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (data += d));
    const ended = once(req, 'end');
    const [t] = (await once(req, 'trailers')) as [nodeHttp2.IncomingHttpHeaders];
    await ended;
    clientLog.push(`client body ${data} trailers ${t['x-t']}`);
    await serverDone;
    log.push(...clientLog);
    client.close();
    await new Promise<void>((r) => server.close(() => r()));
  });
  assert.deepEqual(logs.trama, logs.node);
});

test('compat: createPushResponse, res.stream.pushAllowed, req.stream.close(code) reaches the client', async () => {
  const logs = await both(async (http2, log) => {
    const server = http2.createServer((req, res) => {
      if (req.url === '/close') {
        res.on('close', () => log.push('closed by stream.close'));
        req.stream.close(nodeHttp2.constants.NGHTTP2_REFUSED_STREAM);
        return;
      }
      log.push(`pushAllowed=${res.stream.pushAllowed}`);
      res.createPushResponse({ ':path': '/pushed.css' }, (err, pushRes) => {
        log.push(`push cb ${err}`);
        pushRes.setHeader('content-type', 'text/css');
        pushRes.end('p{}');
        res.end('page');
      });
    });
    const url = await listen(server);
    const client = nodeHttp2.connect(url);
    const pushed = new Promise<void>((resolve) => {
      client.on('stream', (push, h) => {
        push.on('push', (rh) => log.push(`client push ${h[':path']} ${rh[':status']} ${rh['content-type']}`));
        push.resume();
        push.on('end', () => resolve());
      });
    });
    const req = client.request({ ':path': '/' });
    req.end();
    let body = '';
    req.on('data', (c) => (body += c));
    await once(req, 'end');
    await pushed;
    log.push(`client body ${body}`);
    const r2 = client.request({ ':path': '/close' });
    r2.on('error', (e: Error & { code?: string }) => log.push(`client error ${e.code}`));
    r2.end();
    await new Promise((r) => r2.once('close', r));
    log.push(`client rst=${r2.rstCode}`);
    client.close();
    await new Promise<void>((r) => server.close(() => r()));
  });
  assert.deepEqual(logs.trama, logs.node);
});
