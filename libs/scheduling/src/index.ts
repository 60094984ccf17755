// @sluice/scheduling: filters → weighted scorers → picker, the plugin registry and profiles. Pure.
export type { EndpointView, SchedulingRequest, CycleContext, PluginIdentity, Filter, Scorer, Picker, ScoredEndpoint, SchedulingPlugin } from './types.ts';
export type { PluginDeps, PluginSpec, PluginFactory } from './registry.ts';
export { PluginRegistry, PluginConfigError } from './registry.ts';
export type { WeightedScorer, ProfileResult, PluginTiming, ScorerBreakdown, FilterBreakdown } from './profile.ts';
export { SchedulingProfile, NoEligibleEndpointsError, clampScore } from './profile.ts';
export type { ProfileSpec, SchedulingResult } from './scheduler.ts';
export { Scheduler, buildScheduler } from './scheduler.ts';
export { createBuiltinRegistry, defaultSchedulingPlugins } from './builtins.ts';
export { HEALTH_FILTER, healthFilterFactory } from './plugins/health-filter.ts';
export { LEAST_IN_FLIGHT_SCORER, leastInFlightScorerFactory } from './plugins/least-in-flight-scorer.ts';
export { MAX_SCORE_PICKER, maxScorePickerFactory } from './plugins/max-score-picker.ts';
export type { BlockHash, PrefixHashOptions, ResolvedPrefixHashOptions, ChatMessageLike, PrefixIndex, PrefixLookup, PrefixMatchInfo, PromptBodyLike, PromptHashes } from './prefix/index.ts';
export { PrefixHasher, resolvePrefixHashOptions, CHARS_PER_TOKEN, MIN_BLOCK_SIZE_TOKENS, canonicalChatText, canonicalJson, DEFAULT_LRU_CAPACITY_BLOCKS, assertCapacity, capacityFromCacheConfig, blocksToEvictAfterFeedback, MemoryPrefixIndex, PrefixProducer, promptText, CapacityAutoTuner } from './prefix/index.ts';
export type { PromSample, PromParseResult, EndpointMetrics, LoraInfo, ScrapeTarget, MetricsFetcher, LeaderLeaseLike, MetricsSnapshotStore, ScrapeClock, EndpointScrape, PoolMetricsSnapshot, ScrapeLoopOptions, PoolAggregates } from './scraping/index.ts';
export { parsePrometheusText, parseEndpointMetrics, extractEndpointMetrics, SCRAPED_METRIC_NAMES, MetricsScrapeLoop, MemorySnapshotStore, ALWAYS_LEADER, poolAggregates } from './scraping/index.ts';
export type { EndpointExtras, RequestExtras, PickObserver } from './plugins/catalog.ts';
export * from './plugins/catalog.ts';
