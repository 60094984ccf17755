import type { TextMapPropagator, Tracer } from '@opentelemetry/api';

/**
 * What the request path needs from @sluice/telemetry's Tracing. When `enabled` is false the tracer
 * is a no-op and the request path creates no trace objects at all (RequestTrace.start returns null).
 */
export interface RouterTracing {
  readonly enabled: boolean;
  readonly tracer: Tracer;
  /** W3C Trace Context: extracts `traceparent` from requests, injects it into upstream calls. */
  readonly propagator: TextMapPropagator;
}
