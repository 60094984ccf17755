import { context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { startTracing } from '../src/index.ts';

describe('startTracing', () => {
  it('without an endpoint returns a no-op tracer and registers nothing', async () => {
    const tracing = startTracing({ env: {} });
    expect(tracing.enabled).toBe(false);
    expect(tracing.exportTarget).toBeNull();
    const span = tracing.tracer.startSpan('noop');
    expect(span.isRecording()).toBe(false);
    span.end();
    // Nothing global was set: the API still hands out non-recording spans.
    expect(trace.getTracer('probe').startSpan('probe').isRecording()).toBe(false);
    await tracing.shutdown();
  });

  it('derives the OTLP traces URL from config or env', async () => {
    const fromConfig = startTracing({ otlpEndpoint: 'http://127.0.0.1:1/', env: {} });
    expect(fromConfig.exportTarget).toBe('http://127.0.0.1:1/v1/traces');
    await fromConfig.shutdown();
    const fromEnv = startTracing({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1' } });
    expect(fromEnv.exportTarget).toBe('http://127.0.0.1:1/v1/traces');
    await fromEnv.shutdown();
    const fromSignalEnv = startTracing({ env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:1/custom' } });
    expect(fromSignalEnv.exportTarget).toBe('http://127.0.0.1:1/custom');
    await fromSignalEnv.shutdown();
  });

  it('records nested spans into an in-memory exporter and shuts down cleanly', async () => {
    const exporter = new InMemorySpanExporter();
    const processor = new SimpleSpanProcessor(exporter);
    const tracing = startTracing({ serviceName: 'sluice-test', spanProcessors: [processor], env: {} });
    expect(tracing.enabled).toBe(true);
    tracing.tracer.startActiveSpan('request', (parent) => {
      parent.setAttribute('sluice.fairness_id', 'tenant-a');
      const child = tracing.tracer.startSpan('flow-control.admit');
      child.end();
      parent.end();
    });
    // Resource detection is asynchronous: the processor exports once it settles.
    await processor.forceFlush();
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name).sort()).toEqual(['flow-control.admit', 'request']);
    const parent = spans.find((s) => s.name === 'request');
    const child = spans.find((s) => s.name === 'flow-control.admit');
    expect(child?.spanContext().traceId).toBe(parent?.spanContext().traceId);
    expect(child?.parentSpanContext?.spanId).toBe(parent?.spanContext().spanId);
    expect(parent?.attributes['sluice.fairness_id']).toBe('tenant-a');
    expect(parent?.resource.attributes['service.name']).toBe('sluice-test');
    await tracing.shutdown();
    await tracing.shutdown(); // idempotent
    // Globals are released: a later span is a no-op, and tracing can start again.
    expect(trace.getTracer('after').startSpan('after').isRecording()).toBe(false);
    expect(context.active()).toBeDefined();
    const secondExporter = new InMemorySpanExporter(); // shutdown() stopped the first one
    const secondProcessor = new SimpleSpanProcessor(secondExporter);
    const again = startTracing({ spanProcessors: [secondProcessor], env: {} });
    again.tracer.startSpan('second-run').end();
    await secondProcessor.forceFlush();
    expect(secondExporter.getFinishedSpans().map((s) => s.name)).toEqual(['second-run']);
    await again.shutdown();
  });
});
