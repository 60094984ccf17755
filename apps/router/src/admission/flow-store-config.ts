import type { ResolvedEndpointPicker } from '@sluice/config';
import { resolveFlowStoreConfig } from '@sluice/flow-control';
import type { FlowControlInput, FlowStoreConfig } from '@sluice/flow-control';

/**
 * The FlowStoreConfig for a resolved EndpointPickerConfig. The config lib has already parsed
 * quantities (numbers) and durations (ms, which resolveFlowStoreConfig accepts as numbers); this only
 * reshapes the section and lets flow control resolve its own plugin references.
 * Without the `flowControl` feature gate, requests are never queued: a concurrency detector with an
 * effectively unbounded limit stands in (upstream's legacy path has no queue either).
 */
export function flowStoreConfigOf(picker: ResolvedEndpointPicker): FlowStoreConfig {
  const fc = picker.flowControl;
  const plugins = picker.plugins.map((p) => ({ name: p.name, type: p.type, parameters: p.parameters }));
  const input: FlowControlInput = {
    maxBytes: fc.maxBytes,
    maxRequests: fc.maxRequests,
    defaultRequestTTL: fc.defaultRequestTtlMs,
    noEndpointRequestTTL: fc.noEndpointRequestTtlMs,
    defaultPriorityBand: fc.defaultPriorityBand,
    ...(fc.defaultNegativePriorityBand ? { defaultNegativePriorityBand: fc.defaultNegativePriorityBand } : {}),
    priorityBands: fc.priorityBands,
    usageLimitPolicyPluginRef: fc.usageLimitPolicyPluginRef,
    saturationDetector: { pluginRef: fc.saturationDetectorPluginRef },
  };
  const config = resolveFlowStoreConfig(input, plugins, 'endpointPicker.flowControl');
  if (picker.featureGates['flowControl'] === true) return config;
  return { ...config, detector: { type: 'concurrency-detector', mode: 'requests', maxConcurrency: 1e9, maxTokenConcurrency: 1e15 } };
}
