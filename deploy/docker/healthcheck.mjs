#!/usr/bin/env node
// Container health check of the Sluice image (Dockerfile HEALTHCHECK, compose, no curl needed).
// Usage: node deploy/docker/healthcheck.mjs [URL]
// Default URL: http://127.0.0.1:$PORT/healthz (PORT default 8080, the router's). Exit 0 on a 2xx
// answer within 2 s, else 1 with the reason on stderr.
const url = process.argv[2] ?? `http://127.0.0.1:${process.env.PORT || '8080'}/healthz`;
try {
  const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
  if (!response.ok) {
    console.error(`healthcheck: ${url} answered ${response.status}`);
    process.exit(1);
  }
  process.exit(0);
} catch (error) {
  console.error(`healthcheck: ${url}: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
