import type { FlowObserver, FlowOutcome as StoreOutcome, FlowStoreStats } from '@sluice/flow-control';
import { FlowOutcome } from '@sluice/telemetry';
import type { Logger, SluiceMetrics } from '@sluice/telemetry';

/** Store outcome values → the upstream `outcome` label values. */
const OUTCOME_LABEL: Readonly<Record<StoreOutcome, FlowOutcome>> = {
  'dispatched': FlowOutcome.Dispatched,
  'rejected-capacity': FlowOutcome.RejectedCapacity,
  'rejected-no-endpoints': FlowOutcome.RejectedNoEndpoints,
  'rejected-other': FlowOutcome.RejectedOther,
  'evicted-ttl': FlowOutcome.EvictedTTL,
  'evicted-no-endpoints': FlowOutcome.EvictedNoEndpoints,
  'evicted-context-cancelled': FlowOutcome.EvictedContextCancelled,
  'evicted-other': FlowOutcome.EvictedOther,
};

/** FlowController hooks → Prometheus metrics and logs. */
export function flowMetricsObserver(metrics: SluiceMetrics, pool: string, logger: Logger): FlowObserver {
  const poolLabels = { inference_pool: pool };
  return {
    onFinished: (e) => metrics.observeFlowOutcome(pool, e.flow.priority, OUTCOME_LABEL[e.outcome], e.queueWaitMs / 1000),
    onDispatchBatch: (size) => metrics.flowControl.dispatchBatchSize.observe(poolLabels, size),
    onReap: (r) => {
      if (r.reapedLeases > 0) metrics.flowControl.reapedLeases.inc({ inference_pool: pool, reason: 'expired-or-dead-owner' }, r.reapedLeases);
      for (const f of r.removedFlows) metrics.deleteFlowSeries({ pool, priority: f.priority, fairnessId: f.fairnessId });
      if (r.deadReplicas.length > 0) logger.warn({ dead_replicas: r.deadReplicas, reaped_leases: r.reapedLeases }, 'reaped dead router replicas');
    },
    onLostLeases: (ids) => logger.warn({ leases: ids }, 'the store no longer knew some of our leases (reaped)'),
    onError: (operation, error) => logger.warn({ err: error, operation }, 'flow-control background call failed'),
  };
}

/** Queue, saturation and lease gauges from a store snapshot. */
export function publishFlowGauges(metrics: SluiceMetrics, pool: string, stats: FlowStoreStats): void {
  for (const f of stats.flows) metrics.setFlowQueue({ pool, priority: f.flow.priority, fairnessId: f.flow.fairnessId }, f.len, f.bytes);
  metrics.flowControl.poolSaturation.set({ inference_pool: pool }, stats.saturation);
  metrics.flowControl.leasesInFlight.set({ inference_pool: pool }, stats.leases.count);
}
