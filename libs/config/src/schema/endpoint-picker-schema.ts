import { Type, type Static } from '@sinclair/typebox';

/**
 * Structural schema of an llm-d / GIE `EndpointPickerConfig` (reference §4), accepted unchanged.
 * Quantities (maxBytes, maxRequests) and durations (…TTL, crossReplicaSyncInterval) are `Unknown`
 * here and parsed by the resolver, which reports `invalid quantity "abc"` with the field path.
 * Plugin `parameters` stay loose records: plugin factories validate them.
 */

const Strict = { additionalProperties: false } as const;
const Quantity = Type.Unknown({ description: 'Kubernetes quantity, e.g. 500, 2k, 4Gi' });
const Duration = Type.Unknown({ description: 'Go duration, e.g. 30s, 5m, 200ms' });
const PluginRef = Type.Object({ pluginRef: Type.String({ minLength: 1 }) }, Strict);

export const PluginSpecSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1 })),
    type: Type.String({ minLength: 1 }),
    parameters: Type.Optional(Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()])),
  },
  Strict,
);

export const SchedulingProfileSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    plugins: Type.Array(
      Type.Object({ pluginRef: Type.String({ minLength: 1 }), weight: Type.Optional(Type.Number({ minimum: 0 })) }, Strict),
    ),
  },
  Strict,
);

export const DataLayerSchema = Type.Object(
  {
    injectDefaults: Type.Optional(Type.Boolean()),
    sources: Type.Optional(
      Type.Array(Type.Object({ pluginRef: Type.String({ minLength: 1 }), extractors: Type.Optional(Type.Array(PluginRef)) }, Strict)),
    ),
    discovery: Type.Optional(PluginRef),
    peerDiscovery: Type.Optional(PluginRef),
    crossReplicaSyncerPluginRef: Type.Optional(Type.String({ minLength: 1 })),
    crossReplicaSyncInterval: Type.Optional(Duration),
  },
  Strict,
);

const BandFields = {
  maxBytes: Type.Optional(Quantity),
  maxRequests: Type.Optional(Quantity),
  fairnessPolicyRef: Type.Optional(Type.String({ minLength: 1 })),
  orderingPolicyRef: Type.Optional(Type.String({ minLength: 1 })),
};

export const BandTemplateSchema = Type.Object(BandFields, Strict);
export const PriorityBandSchema = Type.Object({ priority: Type.Integer({ minimum: -2147483648, maximum: 2147483647 }), ...BandFields }, Strict);

export const FlowControlSchema = Type.Object(
  {
    maxBytes: Type.Optional(Quantity),
    maxRequests: Type.Optional(Quantity),
    defaultRequestTTL: Type.Optional(Duration),
    noEndpointRequestTTL: Type.Optional(Duration),
    defaultPriorityBand: Type.Optional(BandTemplateSchema),
    defaultNegativePriorityBand: Type.Optional(BandTemplateSchema),
    priorityBands: Type.Optional(Type.Array(PriorityBandSchema)),
    usageLimitPolicyPluginRef: Type.Optional(Type.String({ minLength: 1 })),
    saturationDetector: Type.Optional(PluginRef),
    enableEviction: Type.Optional(Type.Boolean()),
  },
  Strict,
);

export const EndpointPickerSchema = Type.Object(
  {
    apiVersion: Type.Union([Type.Literal('llm-d.ai/v1alpha1'), Type.Literal('inference.networking.x-k8s.io/v1alpha1')]),
    kind: Type.Literal('EndpointPickerConfig'),
    featureGates: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    plugins: Type.Optional(Type.Array(PluginSpecSchema)),
    schedulingProfiles: Type.Optional(Type.Array(SchedulingProfileSchema)),
    dataLayer: Type.Optional(DataLayerSchema),
    flowControl: Type.Optional(FlowControlSchema),
    requestHandler: Type.Optional(Type.Object({ parsers: Type.Optional(Type.Array(PluginRef)) }, Strict)),
    /** Deprecated upstream (moved under flowControl / requestHandler); accepted and reported as a warning. */
    saturationDetector: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    /** Deprecated upstream; accepted and reported as a warning. */
    parser: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  Strict,
);

export type EndpointPickerInput = Static<typeof EndpointPickerSchema>;
export type FlowControlInput = Static<typeof FlowControlSchema>;
export type BandTemplateInput = Static<typeof BandTemplateSchema>;
