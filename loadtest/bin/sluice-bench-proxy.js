#!/usr/bin/env node
// The built-in baseline proxy (round-robin / least-request), run in its own process by `sluice-bench compare`.
import { register } from 'tsx/esm/api';

register();
await import('../src/targets/proxy-main.ts');
