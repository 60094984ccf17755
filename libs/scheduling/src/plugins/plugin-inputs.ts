import type { PrefixMatchInfo } from '../prefix/prefix-producer.ts';
import type { EndpointMetrics } from '../scraping/endpoint-metrics.ts';
import type { CycleContext, EndpointView } from '../types.ts';

/**
 * Data the catalog plugins read beyond the framework's EndpointView / SchedulingRequest. Every
 * field is optional, so these are structural extensions: the router adds them to the objects it
 * passes (ideally by adding the fields to EndpointView and SchedulingRequest themselves), and a
 * plugin that finds a field missing degrades to a documented neutral score.
 */
export interface EndpointExtras {
  /** Last scraped model-server metrics; null/undefined = never scraped or stale. */
  readonly metrics?: EndpointMetrics | null;
}

export type { PrefixMatchInfo };

export interface RequestExtras {
  /** From PrefixProducer.match (hasher + index lookup). */
  readonly prefixMatch?: PrefixMatchInfo;
  /** LoRA adapter the request targets; undefined/null = the base model. */
  readonly loraAdapter?: string | null;
  /** Request headers, names lower-cased. */
  readonly headers?: Readonly<Record<string, string | undefined>>;
}

/** Stateful plugins that learn from decisions implement this; the router calls it after each pick (PreRequest). */
export interface PickObserver {
  onPicked(ctx: CycleContext, endpoint: EndpointView): void;
}

export function hasPickObserver(plugin: object): plugin is PickObserver {
  return typeof (plugin as Partial<PickObserver>).onPicked === 'function';
}

export function metricsOf(endpoint: EndpointView): EndpointMetrics | undefined {
  return (endpoint as EndpointView & EndpointExtras).metrics ?? undefined;
}

export function requestExtras(ctx: CycleContext): RequestExtras {
  return ctx.request as CycleContext['request'] & RequestExtras;
}

/** Matched blocks of `endpoint` for this request and the prefix ratio matched/total (0 when unknown). */
export function prefixMatchOf(ctx: CycleContext, endpoint: string): { matchedBlocks: number; ratio: number; info: PrefixMatchInfo | undefined } {
  const info = requestExtras(ctx).prefixMatch;
  if (info === undefined || info.totalBlocks <= 0) return { matchedBlocks: 0, ratio: 0, info };
  const matchedBlocks = Math.min(info.totalBlocks, info.matchedBlocks.get(endpoint) ?? 0);
  return { matchedBlocks, ratio: matchedBlocks / info.totalBlocks, info };
}
