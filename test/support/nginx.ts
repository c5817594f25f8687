// A real nginx for interop tests: started in the foreground from a generated config in a temp
// dir, on 127.0.0.1 and a free port, with every path (pid, logs, temp files) inside that dir, so
// tests run as any user, in parallel, and leave nothing behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface NginxConfig {
  /** Directives for the `http {}` block beyond the common ones (types, gzip, keepalive, …). */
  http?: string;
  /** The body of the `server {}` block; `listen 127.0.0.1:PORT` is written before it. */
  server: string;
  /** `listen` parameters after the address (e.g. `http2`). */
  listen?: string;
}

export interface NginxInstance {
  port: number;
  /** The temp dir holding the config and logs (and anything the caller put there). */
  dir: string;
  stop(): Promise<void>;
}

/** How long nginx may take to accept its first connection on a loaded machine. */
const START_TIMEOUT_MS = 15_000;

/** A port that was free a moment ago (nginx must bind it itself). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/** Makes the temp dir first, so the caller can put files in it (`prepare`) before nginx starts. */
export function nginxDir(prefix = 'trama-nginx-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755); // a worker may run as another user when the tests run as root
  return dir;
}

/**
 * Starts nginx with `config` and resolves once it accepts connections (nginx has no readiness
 * signal in the foreground, so this polls the port). `build` gets the port and dir first, for
 * configs that name them.
 */
export async function startNginx(build: (port: number, dir: string) => NginxConfig, dir = nginxDir()): Promise<NginxInstance> {
  const port = await freePort();
  const c = build(port, dir);
  const conf = `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${c.http ?? ''}
  server {
    listen 127.0.0.1:${port}${c.listen ? ` ${c.listen}` : ''};
${c.server}
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const child: ChildProcess = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], {
    stdio: 'ignore',
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (up) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      let log = '';
      try {
        log = readFileSync(join(dir, 'error.log'), 'utf8');
      } catch {
        // no log written
      }
      throw new Error(`nginx did not start (exit ${child.exitCode}): ${log}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    port,
    dir,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
