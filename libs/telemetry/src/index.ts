export { createMetrics, type SluiceMetrics, type CreateMetricsOptions, type FlowSeriesKey, type RequestLabelInput } from './metrics/create-metrics.ts';
export { MetricName, FlowOutcome, Buckets, OTHER_LABEL_VALUE, FLOW_LABELS, QUEUE_DURATION_LABELS, REQUEST_LABELS, POOL_LABELS } from './metrics/metric-names.ts';
export { LabelCap } from './metrics/label-cap.ts';
export { createLogger, requestLogger, LOG_LEVELS, type CreateLoggerOptions, type LogLevel, type Logger } from './logger.ts';
export { startTracing, type StartTracingOptions, type Tracing } from './tracing.ts';
