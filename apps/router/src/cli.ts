import { ConfigError, configPathFromArgs, loadRouterConfig, summarizeConfig } from '@sluice/config';
import { startRouter } from './runtime.ts';

/**
 * `sluice-router --config FILE` (env SLUICE_CONFIG, REDIS_URL, PORT). Invalid config: the issues are
 * printed with their field paths and the process exits 2. SIGTERM/SIGINT: graceful drain, exit 0.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadRouterConfig({ file: configPathFromArgs(process.argv.slice(2), process.env), env: process.env });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`sluice-router: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  console.error(summarizeConfig(config));
  for (const warning of config.warnings) console.error(`sluice-router: warning: ${warning}`);
  if (config.redis === null) console.error('sluice-router: no redis.url and no REDIS_URL: running in-memory, single-replica mode');
  const router = await startRouter({ config, env: process.env });
  let signalled = false;
  const stop = (signal: string): void => {
    if (signalled) return;
    signalled = true;
    router.deps.logger.info({ signal }, 'shutting down');
    void router.shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

await main();
