import { formatPath, type IssueCollector, type PathSegments } from '../issues.ts';
import type { BandTemplateInput, EndpointPickerInput } from '../schema/endpoint-picker-schema.ts';
import type { ResolvedBand, ResolvedBandTemplate, ResolvedEndpointPicker, ResolvedPlugin } from '../resolved-types.ts';
import { checkUnique, readDuration, readPositiveDuration, readPositiveQuantity, readQuantity } from './field-parsers.ts';

/** Feature gates llm-d registers, with their defaults (reference §4). */
export const KNOWN_FEATURE_GATES: Readonly<Record<string, boolean>> = { flowControl: false, haPopulateNonLeaderDatastore: true };

/** Flow-control defaults of the llm-d router (reference §1.9). */
export const FLOW_CONTROL_DEFAULTS = {
  bandMaxBytes: 1e9,
  bandMaxRequests: 5000,
  defaultRequestTtlMs: 60_000,
  fairnessPolicy: 'global-strict-fairness-policy',
  orderingPolicy: 'fcfs-ordering-policy',
  usageLimitPolicy: 'static-usage-limit-policy',
  saturationDetector: 'utilization-detector',
  crossReplicaSyncIntervalMs: 200,
} as const;

/** Plugins the loader creates when referenced but not declared (as llm-d does for flow control). */
const INJECTABLE_PLUGINS: ReadonlySet<string> = new Set([
  FLOW_CONTROL_DEFAULTS.fairnessPolicy,
  FLOW_CONTROL_DEFAULTS.orderingPolicy,
  FLOW_CONTROL_DEFAULTS.usageLimitPolicy,
  FLOW_CONTROL_DEFAULTS.saturationDetector,
]);

const GATE = /^([A-Za-z][A-Za-z0-9._-]*)(?:=(true|false))?$/;

/**
 * Resolves the `endpointPicker:` section (already structurally valid). `at` is its path. Invalid
 * values and dangling plugin references are added to `issues`; deprecated or unknown-but-harmless
 * things to `warnings`.
 */
export function resolveEndpointPicker(
  input: EndpointPickerInput | undefined,
  at: PathSegments,
  issues: IssueCollector,
  warnings: string[],
): ResolvedEndpointPicker {
  const spec: EndpointPickerInput = input ?? { apiVersion: 'llm-d.ai/v1alpha1', kind: 'EndpointPickerConfig' };
  const featureGates = resolveFeatureGates(spec.featureGates ?? [], [...at, 'featureGates'], issues, warnings);

  const declared: ResolvedPlugin[] = (spec.plugins ?? []).map((plugin) => ({
    name: plugin.name ?? plugin.type,
    type: plugin.type,
    parameters: plugin.parameters ?? {},
    origin: 'declared' as const,
  }));
  checkUnique(
    declared,
    (plugin) => plugin.name,
    (index) => [...at, 'plugins', index, spec.plugins?.[index]?.name === undefined ? 'type' : 'name'],
    'plugin name',
    issues,
    (index) => formatPath([...at, 'plugins', index]),
  );
  const declaredNames = new Set(declared.map((plugin) => plugin.name));
  const injected = new Set<string>();
  /** Checks a reference; returns it unchanged. Undeclared flow-control defaults are injected. */
  const ref = (name: string, path: PathSegments, isDefault = false): string => {
    if (declaredNames.has(name)) return name;
    if (INJECTABLE_PLUGINS.has(name)) injected.add(name);
    else if (!isDefault) issues.add(path, `unknown plugin ${JSON.stringify(name)}: no entry of ${formatPath([...at, 'plugins'])} has this name`);
    return name;
  };

  const schedulingProfiles = (spec.schedulingProfiles ?? []).map((profile, p) => ({
    name: profile.name,
    plugins: profile.plugins.map((entry, i) => ({
      pluginRef: ref(entry.pluginRef, [...at, 'schedulingProfiles', p, 'plugins', i, 'pluginRef']),
      weight: entry.weight ?? 1,
    })),
  }));
  checkUnique(
    schedulingProfiles,
    (profile) => profile.name,
    (index) => [...at, 'schedulingProfiles', index, 'name'],
    'scheduling profile',
    issues,
    (index) => formatPath([...at, 'schedulingProfiles', index]),
  );

  const layer = spec.dataLayer ?? {};
  const layerAt = [...at, 'dataLayer'];
  const dataLayer = {
    injectDefaults: layer.injectDefaults ?? true,
    sources: (layer.sources ?? []).map((source, s) => ({
      pluginRef: ref(source.pluginRef, [...layerAt, 'sources', s, 'pluginRef']),
      extractors: (source.extractors ?? []).map((extractor, e) =>
        ref(extractor.pluginRef, [...layerAt, 'sources', s, 'extractors', e, 'pluginRef']),
      ),
    })),
    discoveryPluginRef: layer.discovery === undefined ? null : ref(layer.discovery.pluginRef, [...layerAt, 'discovery', 'pluginRef']),
    peerDiscoveryPluginRef:
      layer.peerDiscovery === undefined ? null : ref(layer.peerDiscovery.pluginRef, [...layerAt, 'peerDiscovery', 'pluginRef']),
    crossReplicaSyncerPluginRef:
      layer.crossReplicaSyncerPluginRef === undefined
        ? null
        : ref(layer.crossReplicaSyncerPluginRef, [...layerAt, 'crossReplicaSyncerPluginRef']),
    crossReplicaSyncIntervalMs: readPositiveDuration(
      layer.crossReplicaSyncInterval,
      [...layerAt, 'crossReplicaSyncInterval'],
      issues,
      FLOW_CONTROL_DEFAULTS.crossReplicaSyncIntervalMs,
    ),
  };

  const flowControl = resolveFlowControl(spec, [...at, 'flowControl'], issues, ref);
  if (spec.flowControl !== undefined && featureGates['flowControl'] !== true) {
    warnings.push(`${formatPath([...at, 'flowControl'])} is set but the flowControl feature gate is off`);
  }
  const parsers = (spec.requestHandler?.parsers ?? []).map((parser, i) =>
    ref(parser.pluginRef, [...at, 'requestHandler', 'parsers', i, 'pluginRef']),
  );
  if (spec.saturationDetector !== undefined) {
    warnings.push(`${formatPath([...at, 'saturationDetector'])} is deprecated upstream and ignored: declare a detector plugin and use flowControl.saturationDetector.pluginRef`);
  }
  if (spec.parser !== undefined) {
    warnings.push(`${formatPath([...at, 'parser'])} is deprecated upstream and ignored: use requestHandler.parsers`);
  }

  const plugins: ResolvedPlugin[] = [
    ...declared,
    ...[...injected].map((type) => ({ name: type, type, parameters: {}, origin: 'default' as const })),
  ];
  return {
    apiVersion: spec.apiVersion,
    kind: spec.kind,
    featureGates,
    plugins,
    schedulingProfiles,
    dataLayer,
    flowControl,
    parsers,
  };
}

function resolveFeatureGates(gates: readonly string[], at: PathSegments, issues: IssueCollector, warnings: string[]): Record<string, boolean> {
  const result: Record<string, boolean> = { ...KNOWN_FEATURE_GATES };
  const seen = new Map<string, number>();
  gates.forEach((gate, index) => {
    const match = GATE.exec(gate.trim());
    if (match === null) {
      issues.add([...at, index], `invalid feature gate ${JSON.stringify(gate)}: expected "name", "name=true" or "name=false"`);
      return;
    }
    const [, name = '', value] = match;
    const first = seen.get(name);
    if (first !== undefined) {
      issues.add([...at, index], `feature gate ${JSON.stringify(name)} is set twice (first at ${formatPath([...at, first])})`);
      return;
    }
    seen.set(name, index);
    if (name === 'dataLayer') warnings.push(`feature gate "dataLayer" is obsolete: the data layer is always on`);
    else if (!(name in KNOWN_FEATURE_GATES)) warnings.push(`unknown feature gate ${JSON.stringify(name)} at ${formatPath([...at, index])} (kept, but nothing reads it)`);
    result[name] = value !== 'false';
  });
  return result;
}

type RefChecker = (name: string, path: PathSegments, isDefault?: boolean) => string;

function resolveFlowControl(spec: EndpointPickerInput, at: PathSegments, issues: IssueCollector, ref: RefChecker) {
  const input = spec.flowControl ?? {};
  const builtIn: ResolvedBandTemplate = {
    maxBytes: FLOW_CONTROL_DEFAULTS.bandMaxBytes,
    maxRequests: FLOW_CONTROL_DEFAULTS.bandMaxRequests,
    fairnessPolicyRef: FLOW_CONTROL_DEFAULTS.fairnessPolicy,
    orderingPolicyRef: FLOW_CONTROL_DEFAULTS.orderingPolicy,
  };
  const template = (band: BandTemplateInput | undefined, path: PathSegments, base: ResolvedBandTemplate): ResolvedBandTemplate => ({
    maxBytes: readPositiveQuantity(band?.maxBytes, [...path, 'maxBytes'], issues, base.maxBytes),
    maxRequests: readPositiveQuantity(band?.maxRequests, [...path, 'maxRequests'], issues, base.maxRequests),
    fairnessPolicyRef:
      band?.fairnessPolicyRef === undefined ? base.fairnessPolicyRef : ref(band.fairnessPolicyRef, [...path, 'fairnessPolicyRef']),
    orderingPolicyRef:
      band?.orderingPolicyRef === undefined ? base.orderingPolicyRef : ref(band.orderingPolicyRef, [...path, 'orderingPolicyRef']),
  });

  const defaultPriorityBand = template(input.defaultPriorityBand, [...at, 'defaultPriorityBand'], builtIn);
  const defaultNegativePriorityBand =
    input.defaultNegativePriorityBand === undefined
      ? null
      : template(input.defaultNegativePriorityBand, [...at, 'defaultNegativePriorityBand'], defaultPriorityBand);
  const bandsInput = input.priorityBands ?? [];
  const priorityBands: ResolvedBand[] = bandsInput.map((band, index) => {
    const base = band.priority < 0 && defaultNegativePriorityBand !== null ? defaultNegativePriorityBand : defaultPriorityBand;
    return { priority: band.priority, ...template(band, [...at, 'priorityBands', index], base) };
  });
  checkUnique(
    bandsInput,
    (band) => String(band.priority),
    (index) => [...at, 'priorityBands', index, 'priority'],
    'band priority',
    issues,
    (index) => formatPath([...at, 'priorityBands', index]),
  );
  // The defaults are referenced even when no band names them (dynamic bands use the templates).
  ref(defaultPriorityBand.fairnessPolicyRef, [...at, 'defaultPriorityBand', 'fairnessPolicyRef'], true);
  ref(defaultPriorityBand.orderingPolicyRef, [...at, 'defaultPriorityBand', 'orderingPolicyRef'], true);

  const defaultRequestTtlMs = readDuration(input.defaultRequestTTL, [...at, 'defaultRequestTTL'], issues, FLOW_CONTROL_DEFAULTS.defaultRequestTtlMs);
  return {
    maxBytes: readQuantity(input.maxBytes, [...at, 'maxBytes'], issues, 0),
    maxRequests: readQuantity(input.maxRequests, [...at, 'maxRequests'], issues, 0),
    defaultRequestTtlMs,
    noEndpointRequestTtlMs: readDuration(input.noEndpointRequestTTL, [...at, 'noEndpointRequestTTL'], issues, defaultRequestTtlMs),
    defaultPriorityBand,
    defaultNegativePriorityBand,
    priorityBands: [...priorityBands].sort((a, b) => b.priority - a.priority),
    usageLimitPolicyPluginRef: ref(
      input.usageLimitPolicyPluginRef ?? FLOW_CONTROL_DEFAULTS.usageLimitPolicy,
      [...at, 'usageLimitPolicyPluginRef'],
      input.usageLimitPolicyPluginRef === undefined,
    ),
    saturationDetectorPluginRef: ref(
      input.saturationDetector?.pluginRef ?? FLOW_CONTROL_DEFAULTS.saturationDetector,
      [...at, 'saturationDetector', 'pluginRef'],
      input.saturationDetector === undefined,
    ),
    enableEviction: input.enableEviction ?? false,
  };
}
