import { startBuiltinProxy } from './builtin-proxy.ts';
import type { BalancePolicy } from './builtin-proxy.ts';

/**
 * Child-process entry of the built-in proxy (so it does not share the load generator's event loop):
 * `node bin/sluice-bench-proxy.js <round-robin|least-request> <upstream-url>...`
 * Prints `listening <url>` once ready; exits on SIGTERM/SIGINT.
 */
const [policy, ...upstreams] = process.argv.slice(2);
if (policy !== 'round-robin' && policy !== 'least-request') {
  console.error('usage: sluice-bench-proxy <round-robin|least-request> <upstream-url>...');
  process.exit(2);
}
const proxy = await startBuiltinProxy(upstreams, policy as BalancePolicy);
console.log(`listening ${proxy.url}`);
const stop = (): void => void proxy.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
