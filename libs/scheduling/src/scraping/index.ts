// Model-server metrics scraping: Prometheus text parser, vLLM/SGLang name mapping, the scrape loop.
export type { PromSample, PromParseResult } from './prometheus-text.ts';
export { parsePrometheusText } from './prometheus-text.ts';
export type { EndpointMetrics, LoraInfo } from './endpoint-metrics.ts';
export { parseEndpointMetrics, extractEndpointMetrics, SCRAPED_METRIC_NAMES } from './endpoint-metrics.ts';
export type { ScrapeTarget, MetricsFetcher, LeaderLeaseLike, MetricsSnapshotStore, ScrapeClock, EndpointScrape, PoolMetricsSnapshot, ScrapeLoopOptions } from './scrape-loop.ts';
export { MetricsScrapeLoop, MemorySnapshotStore, ALWAYS_LEADER } from './scrape-loop.ts';
export type { PoolAggregates } from './pool-aggregates.ts';
export { poolAggregates } from './pool-aggregates.ts';
