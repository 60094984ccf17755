import { ConfigError, loadConfig, usage } from './config.ts';
import { startSimServer } from './server/sim-server.ts';
import { startSimTracing, takeOtlpEndpointFlag } from './server/engine-tracing.ts';

const OTLP_USAGE = '  --otlp-endpoint URL       export engine.generate spans over OTLP/HTTP (or env OTEL_EXPORTER_OTLP_ENDPOINT)';

/**
 * `sluice-sim --port P --profile NAME [...]`: starts one simulated vLLM server and prints one
 * readiness line with its URL. Invalid flags stop start-up with a message naming the flag.
 */
async function main(): Promise<void> {
  let config;
  let otlpEndpoint: string | undefined;
  try {
    // --otlp-endpoint URL (or env OTEL_EXPORTER_OTLP_ENDPOINT): export engine spans over OTLP/HTTP.
    const flags = takeOtlpEndpointFlag(process.argv.slice(2));
    otlpEndpoint = flags.otlpEndpoint;
    config = loadConfig(flags.rest);
  } catch (error) {
    if (error instanceof ConfigError) {
      if (error.message === 'help requested') {
        console.log(`${usage()}\n${OTLP_USAGE}`);
        process.exit(0);
      }
      console.error(`sluice-sim: ${error.message}\n${usage()}\n${OTLP_USAGE}`);
      process.exit(2);
    }
    if (error instanceof Error && error.message.startsWith('--otlp-endpoint')) {
      console.error(`sluice-sim: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const tracing = await startSimTracing(otlpEndpoint, process.env);
  const sim = await startSimServer(config, undefined, tracing);
  if (tracing !== null) console.log(`sluice-sim tracing: OTLP ${tracing.exportTarget}`);
  console.log(
    `sluice-sim ready on ${sim.url} (pod ${config.podName}, profile ${config.profile}, model ${config.model}, time scale ${config.timeScale}, latency ${config.latencyMode})`,
  );
  const shutdown = (): void => {
    // Spans still batched are flushed before exit.
    void sim
      .close()
      .then(() => tracing?.shutdown())
      .then(() => process.exit(0));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

await main();
