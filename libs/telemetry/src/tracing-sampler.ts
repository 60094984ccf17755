import { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, TraceIdRatioBasedSampler, type Sampler } from '@opentelemetry/sdk-trace-base';

/** The sampler names of the OpenTelemetry spec's OTEL_TRACES_SAMPLER that Sluice accepts. */
export const SAMPLER_NAMES = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;

/**
 * The sampler from OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG when set (they win over the
 * configured ratio), else parent-based with a trace-id ratio of `configuredRatio` for new traces
 * (a sampled incoming `traceparent` is always followed). Throws RangeError naming the variable.
 */
export function samplerOf(env: Readonly<Record<string, string | undefined>>, configuredRatio: number): Sampler {
  const name = env['OTEL_TRACES_SAMPLER']?.trim().toLowerCase();
  const argText = env['OTEL_TRACES_SAMPLER_ARG']?.trim();
  const ratio = (fallback: number): number => {
    if (argText === undefined || argText === '') return fallback;
    const value = Number(argText);
    if (!(value >= 0 && value <= 1)) throw new RangeError(`OTEL_TRACES_SAMPLER_ARG must be a ratio in [0, 1], got ${JSON.stringify(argText)}`);
    return value;
  };
  if (name === undefined || name === '') {
    if (!(configuredRatio >= 0 && configuredRatio <= 1)) throw new RangeError(`sampleRatio must be in [0, 1], got ${configuredRatio}`);
    return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(configuredRatio) });
  }
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio(1));
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio(1)) });
    default:
      throw new RangeError(`OTEL_TRACES_SAMPLER must be one of ${SAMPLER_NAMES.join(', ')}, got ${JSON.stringify(name)}`);
  }
}
