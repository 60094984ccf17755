import { context, defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { startTracing } from '../src/index.ts';

/** Starts tracing into an in-memory exporter with `env`; the caller shuts it down. */
function inMemory(env: Record<string, string>, serviceName = 'configured-name') {
  const exporter = new InMemorySpanExporter();
  const processor = new SimpleSpanProcessor(exporter);
  const tracing = startTracing({ serviceName, spanProcessors: [processor], env });
  return { tracing, exporter, processor };
}

describe('startTracing and the standard OTEL_* variables', () => {
  it('OTEL_SERVICE_NAME wins over the configured service name', async () => {
    const { tracing, exporter, processor } = inMemory({ OTEL_SERVICE_NAME: 'from-env' });
    tracing.tracer.startSpan('probe').end();
    await processor.forceFlush();
    expect(exporter.getFinishedSpans()[0]?.resource.attributes['service.name']).toBe('from-env');
    await tracing.shutdown();
  });

  it('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT wins over a configured base endpoint', async () => {
    const tracing = startTracing({ otlpEndpoint: 'http://127.0.0.1:1', env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:2/traces' } });
    expect(tracing.exportTarget).toBe('http://127.0.0.1:2/traces');
    await tracing.shutdown();
  });

  it('OTEL_TRACES_SAMPLER=always_off records nothing; parentbased_always_off still follows a sampled parent', async () => {
    const off = inMemory({ OTEL_TRACES_SAMPLER: 'always_off' });
    expect(off.tracing.tracer.startSpan('dropped').isRecording()).toBe(false);
    await off.tracing.shutdown();

    const parentBased = inMemory({ OTEL_TRACES_SAMPLER: 'parentbased_always_off' });
    expect(parentBased.tracing.tracer.startSpan('new-root').isRecording()).toBe(false);
    const sampledParent = trace.setSpanContext(ROOT_CONTEXT, { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED, isRemote: true });
    expect(parentBased.tracing.tracer.startSpan('child', {}, sampledParent).isRecording()).toBe(true);
    await parentBased.tracing.shutdown();
  });

  it('traceidratio with OTEL_TRACES_SAMPLER_ARG=0 samples no new trace', async () => {
    const { tracing } = inMemory({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' });
    expect(tracing.tracer.startSpan('dropped').isRecording()).toBe(false);
    await tracing.shutdown();
  });

  it('rejects bad sampler and batch-delay settings, naming the variable', () => {
    const spanProcessors = [new SimpleSpanProcessor(new InMemorySpanExporter())];
    expect(() => startTracing({ spanProcessors, env: { OTEL_TRACES_SAMPLER: 'sometimes' } })).toThrow(/OTEL_TRACES_SAMPLER must be one of/);
    expect(() => startTracing({ spanProcessors, env: { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '2' } })).toThrow(/OTEL_TRACES_SAMPLER_ARG/);
    expect(() => startTracing({ otlpEndpoint: 'http://127.0.0.1:1', env: { OTEL_BSP_SCHEDULE_DELAY: 'soon' } })).toThrow(/OTEL_BSP_SCHEDULE_DELAY/);
  });

  it('the W3C propagator extracts a traceparent and injects the child span context', async () => {
    const { tracing } = inMemory({});
    const incoming = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'vendor=x' };
    const parent = tracing.propagator.extract(ROOT_CONTEXT, incoming, defaultTextMapGetter);
    const span = tracing.tracer.startSpan('server', {}, parent);
    const carrier: Record<string, string> = {};
    tracing.propagator.inject(trace.setSpan(context.active(), span), carrier, defaultTextMapSetter);
    expect(carrier['traceparent']).toBe(`00-0af7651916cd43dd8448eb211c80319c-${span.spanContext().spanId}-01`);
    expect(carrier['tracestate']).toBe('vendor=x');
    span.end();
    await tracing.shutdown();
  });

  it('disabled tracing: instrumentRedisClient is a no-op', async () => {
    const tracing = startTracing({ env: {} });
    const fakeClientClass = class {
      sendCommand(): string {
        return 'original';
      }
    };
    const client = new fakeClientClass();
    tracing.instrumentRedisClient(client);
    expect(fakeClientClass.prototype.sendCommand).toBe(client.sendCommand);
    expect(client.sendCommand()).toBe('original');
    await tracing.shutdown();
  });
});
