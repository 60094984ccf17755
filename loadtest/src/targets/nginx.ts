import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, stopChild, waitFor } from '@sluice/testing';

/** `nginx -v` output (e.g. "nginx/1.22.1") when an nginx binary is on PATH, else null. */
export function nginxVersion(): string | null {
  const result = spawnSync('nginx', ['-v'], { encoding: 'utf8' });
  if (result.error !== undefined || result.status !== 0) return null;
  const match = /nginx\/[\d.]+/u.exec(`${result.stderr}${result.stdout}`);
  return match?.[0] ?? 'nginx';
}

export interface NginxBalancer {
  url: string;
  version: string;
  stop(): Promise<void>;
}

/** nginx.conf for an upstream pool: SSE-safe (proxy_buffering off), keep-alive to upstreams. */
export function nginxConfig(prefix: string, port: number, upstreams: readonly string[], leastConn: boolean): string {
  const servers = upstreams.map((u) => `    server ${new URL(u).host} max_fails=0;`).join('\n');
  return `# written by sluice-bench; runs in the foreground with its own prefix dir
worker_processes 1;
daemon off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path ${prefix}/client_body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  upstream pods {
${leastConn ? '    least_conn;\n' : ''}${servers}
    keepalive 512;
  }
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 256m;
    location / {
      proxy_pass http://pods;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 3600s;
      proxy_send_timeout 3600s;
    }
  }
}
`;
}

/** Starts nginx in the foreground on a free port; resolves once GET /health through it answers 200. */
export async function startNginx(upstreams: readonly string[], leastConn: boolean): Promise<NginxBalancer> {
  const version = nginxVersion();
  if (version === null) throw new Error('nginx is not on PATH');
  const prefix = mkdtempSync(join(tmpdir(), 'sluice-nginx-'));
  mkdirSync(join(prefix, 'logs'));
  const port = await freePort();
  const confPath = join(prefix, 'nginx.conf');
  writeFileSync(confPath, nginxConfig(prefix, port, upstreams, leastConn));
  const child = spawn('nginx', ['-p', prefix, '-c', confPath, '-e', join(prefix, 'error.log')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    await stopChild(child, 2000);
    rmSync(prefix, { recursive: true, force: true });
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${output}`);
        try {
          const response = await fetch(`${url}/health`);
          await response.arrayBuffer();
          return response.status === 200 ? true : undefined;
        } catch {
          return undefined;
        }
      },
      { timeoutMs: 10_000, what: 'nginx to proxy GET /health' },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, version, stop };
}
