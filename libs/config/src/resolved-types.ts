import type { HostPort } from './parse/host-port.ts';
import type { Criticality } from './schema/router-config-schema.ts';

/**
 * The resolved config: every default filled in, every reference checked, quantities in plain
 * numbers (BYTES or request COUNTS) and durations in MILLISECONDS. Plain JSON (no Maps, no classes),
 * so it can be logged, served on /admin/state and passed to Lua.
 */
export interface ResolvedRouterConfig {
  readonly apiVersion: 'sluice.dev/v1alpha1';
  readonly kind: 'RouterConfig';
  readonly server: ResolvedServer;
  /** null → in-memory single-replica mode. */
  readonly redis: ResolvedRedis | null;
  readonly pool: ResolvedPool;
  readonly proxy: ResolvedProxy;
  readonly objectives: readonly ResolvedObjective[];
  readonly criticalityPriorities: Readonly<Record<Criticality, number>>;
  readonly models: readonly ResolvedModel[];
  readonly auth: ResolvedAuth;
  readonly tenants: ResolvedTenants;
  readonly endpointPicker: ResolvedEndpointPicker;
  readonly logging: { readonly level: LogLevel };
  readonly tracing: ResolvedTracing;
  /** Where the values came from (for the start-up summary). */
  readonly provenance: ConfigProvenance;
  /** Non-fatal findings (deprecated fields, unknown feature gates). Printed at start-up. */
  readonly warnings: readonly string[];
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface ConfigProvenance {
  /** Config file path, or a label such as `<text>`; null when built from an object. */
  readonly source: string | null;
  /** Environment variables that overrode file values, e.g. ['PORT', 'REDIS_URL']. */
  readonly envOverrides: readonly string[];
}

export interface ResolvedServer {
  /** 0 = any free port (tests). Default 8080. */
  readonly port: number;
  /** Default '0.0.0.0'. */
  readonly host: string;
  /** Default 10 MiB. */
  readonly bodyLimitBytes: number;
  /** Default 30 000. */
  readonly drainTimeoutMs: number;
  /** null → the router derives one (hostname-pid). */
  readonly replicaId: string | null;
  /** Separate admin listener port (0 = any free port); null = admin surface on the main port. */
  readonly adminPort: number | null;
  /** Node `maxHeaderSize` (bytes). Default 16 KiB. */
  readonly maxHeaderSizeBytes: number;
  /** Max JSON nesting depth of a request body. Default 64. */
  readonly maxJsonDepth: number;
  /** Max estimated prompt tokens; null = no limit. */
  readonly maxPromptTokens: number | null;
  /** Default 30 000. */
  readonly headersTimeoutMs: number;
  /** Default 120 000. */
  readonly requestTimeoutMs: number;
  /** Default 65 000. */
  readonly keepAliveTimeoutMs: number;
}

/** Structurally the `RedisConnectionConfig` of @sluice/redis-store. */
export type ResolvedRedis = (
  | { readonly mode: 'single'; readonly url: string; readonly password?: string; readonly connectTimeoutMs: number; readonly autoPipelining: boolean }
  | {
      readonly mode: 'sentinel';
      readonly name: string;
      readonly sentinels: readonly HostPort[];
      readonly password?: string;
      readonly sentinelPassword?: string;
      readonly db?: number;
      readonly connectTimeoutMs: number;
      readonly autoPipelining: boolean;
    }
  | {
      readonly mode: 'cluster';
      readonly nodes: readonly HostPort[];
      readonly password?: string;
      readonly connectTimeoutMs: number;
      readonly autoPipelining: boolean;
    }
) & {
  /** ACL user (AUTH username password). */
  readonly username?: string;
  /** TLS options; present when redis.tls is enabled or the URL is rediss://. */
  readonly tls?: ResolvedRedisTls;
};

export interface ResolvedRedisTls {
  /** PEM CA bundle (file content). */
  readonly ca?: string;
  readonly servername?: string;
  readonly rejectUnauthorized: boolean;
}

export type PoolDiscovery =
  | { readonly kind: 'static'; readonly endpoints: readonly HostPort[] }
  | { readonly kind: 'dns'; readonly name: string; readonly port: number; /** Default 5 000. */ readonly refreshMs: number }
  | KubernetesDiscovery;

/** `pool.kubernetes`: pods watched by label selector, or through an InferencePool's selector and ports. */
export interface KubernetesDiscovery {
  readonly kind: 'kubernetes';
  /** null: the service account's namespace when in cluster, else `default`. */
  readonly namespace: string | null;
  readonly source:
    | { readonly kind: 'labelSelector'; readonly labelSelector: string }
    | { readonly kind: 'inferencePool'; readonly name: string; readonly apiVersion: 'inference.networking.k8s.io/v1' | 'inference.networking.x-k8s.io/v1alpha2' };
  /** Number or container-port name; null = the InferencePool's target ports (required for labelSelector). */
  readonly targetPort: number | string | null;
  /** Watch InferenceObjectives whose spec.poolRef.name is the InferencePool (or pool.name). Default false. */
  readonly objectives: boolean;
  /** Unauthenticated API server URL; null = KUBECONFIG / ~/.kube/config / in-cluster service account. */
  readonly apiServer: string | null;
  /** Default 1 000. */
  readonly restartBackoffMs: number;
  /**
   * Watch requests ask the API server to end them after this (whole seconds, default 5 min), and the
   * router aborts a watch still open at 1.25× this (a silently dead connection) and re-watches.
   */
  readonly watchTimeoutMs: number;
}

export interface ResolvedPool {
  readonly name: string;
  readonly discovery: PoolDiscovery;
  readonly healthCheck: {
    /** Default '/health'. */
    readonly path: string;
    /** Default 1 000. */
    readonly intervalMs: number;
    /** Default 500. */
    readonly timeoutMs: number;
    /** Default 3. */
    readonly failureThreshold: number;
    /** Default 250. */
    readonly backoffInitialMs: number;
    /** Default 10 000. */
    readonly backoffMaxMs: number;
  };
}

export interface ResolvedProxy {
  /** Default 2 000. */
  readonly connectTimeoutMs: number;
  /** Default 300 000 (prefill of a long prompt under load can be slow). */
  readonly firstByteTimeoutMs: number;
  /** Default 60 000. */
  readonly streamIdleTimeoutMs: number;
  /** Default 1. */
  readonly maxRetries: number;
}

export interface ResolvedObjective {
  readonly name: string;
  /** Default 0 (InferenceObjective treats an unset priority as 0). */
  readonly priority: number;
}

export interface ResolvedModel {
  readonly modelName: string;
  /** Default Standard. */
  readonly criticality: Criticality;
  /** Objective name when the model names one, else null. */
  readonly objective: string | null;
  /** Effective priority: the objective's if set, else criticalityPriorities[criticality]. */
  readonly priority: number;
  /** Non-empty. Weights are > 0; when none were given every weight is 1. Default: [{modelName, 1}]. */
  readonly targetModels: readonly { readonly name: string; readonly weight: number }[];
}

export interface ResolvedAuth {
  /** Default 'trusted-headers' (a gateway in front injects the control headers). */
  readonly mode: 'trusted-headers' | 'api-keys' | 'jwt';
  /** Default 'default-flow'. */
  readonly defaultFairnessId: string;
  /** Default true: an objective above the ceiling is clamped (false: 403). */
  readonly clampPriority: boolean;
  /** api-keys mode: every key, as SHA-256 hashes only (the clear key never leaves the resolver). */
  readonly apiKeys: readonly ResolvedApiKey[];
  /** jwt mode settings; null otherwise. */
  readonly jwt: ResolvedJwt | null;
  /** Requests without a credential (api-keys / jwt); null → 401. */
  readonly anonymous: { readonly tenant: string; readonly grant: ResolvedGrant } | null;
  /** SHA-256 (hex) of the admin credentials; empty → admin surface locked when mode != trusted-headers. */
  readonly adminKeySha256: readonly string[];
}

/** `tenants:`: rate limits that apply in every auth mode (a credential's own limits win per field). */
export interface ResolvedTenants {
  readonly defaultLimits: ResolvedTenantLimits | null;
  /** Unique tenants. */
  readonly overrides: readonly { readonly tenant: string; readonly limits: ResolvedTenantLimits }[];
  /** Rate-limit window in ms (limits stay per minute, scaled). Default 60 000. */
  readonly rateLimitWindowMs: number;
  /** Outstanding-reservation time to live in ms. Default 600 000. */
  readonly reservationTtlMs: number;
}

/** Per-tenant fleet-wide limits; structurally the router's TenantLimits. */
export interface ResolvedTenantLimits {
  readonly requestsPerMinute?: number;
  readonly tokensPerMinute?: number;
}

/** What a credential may ask for. */
export interface ResolvedGrant {
  /** Objective names (all exist in `objectives`); may be empty (the model's own priority applies). */
  readonly objectives: readonly string[];
  /** Objective used when the request names none; null when `objectives` is empty. */
  readonly defaultObjective: string | null;
  /** Priority ceiling: explicit maxPriority, else the highest priority of `objectives`; null = none. */
  readonly maxPriority: number | null;
  readonly limits: ResolvedTenantLimits | null;
}

export interface ResolvedApiKey {
  /** Lower-case hex SHA-256 of the key. */
  readonly sha256: string;
  readonly tenant: string;
  readonly grant: ResolvedGrant;
  /** Where it was defined, e.g. `auth.keysFile keys[0]` (for logs; never the key). */
  readonly origin: string;
}

export type ResolvedJwtKeySource =
  | { readonly kind: 'jwks-url'; readonly url: string }
  | { readonly kind: 'jwks'; readonly jwks: { readonly keys: readonly Record<string, unknown>[] }; readonly file: string }
  | { readonly kind: 'pem'; readonly pem: string; readonly file: string };

export interface ResolvedClaimRule {
  /** Claim path segments, e.g. ['kubernetes.io', 'namespace']. */
  readonly claim: readonly string[];
  readonly equals: string | null;
  /** RegExp source (validated). */
  readonly pattern: string | null;
  /** Tenant template (`$1` = first pattern group); null → the tenant claim. */
  readonly tenant: string | null;
  readonly grant: ResolvedGrant;
}

export interface ResolvedJwt {
  readonly keySource: ResolvedJwtKeySource;
  /** Accepted issuers; empty = not checked (a warning is printed). */
  readonly issuers: readonly string[];
  /** Accepted audiences; empty = not checked (a warning is printed). */
  readonly audiences: readonly string[];
  /** null = jose's defaults for the key type. */
  readonly algorithms: readonly string[] | null;
  /** Default 30 000. */
  readonly clockSkewMs: number;
  readonly preset: 'openshift' | null;
  /** Claim path of the tenant (default ['sub']). */
  readonly tenantClaim: readonly string[];
  /** First match wins; the preset's rules follow the configured ones. */
  readonly rules: readonly ResolvedClaimRule[];
  /** For tokens no rule matched; null → 403. */
  readonly grant: ResolvedGrant | null;
}

export interface ResolvedTracing {
  /** From config, else env OTEL_EXPORTER_OTLP_ENDPOINT, else null (no-op tracer). */
  readonly otlpEndpoint: string | null;
  /** Default 'sluice-router'. */
  readonly serviceName: string;
  /** Default 1. */
  readonly sampleRatio: number;
}

export interface ResolvedPlugin {
  /** Unique within the config; defaults to `type`. */
  readonly name: string;
  readonly type: string;
  /** Loosely typed: validated by the plugin's factory. */
  readonly parameters: Readonly<Record<string, unknown>>;
  /** 'default' when the loader injected it (llm-d injects flow-control policy defaults). */
  readonly origin: 'declared' | 'default';
}

export interface ResolvedBandTemplate {
  /** Max queued bytes in the band; > 0. Default 1e9. */
  readonly maxBytes: number;
  /** Max queued requests in the band; > 0. Default 5000. */
  readonly maxRequests: number;
  /** Plugin name. Default 'global-strict-fairness-policy'. */
  readonly fairnessPolicyRef: string;
  /** Plugin name. Default 'fcfs-ordering-policy'. */
  readonly orderingPolicyRef: string;
}

export interface ResolvedBand extends ResolvedBandTemplate {
  readonly priority: number;
}

export interface ResolvedFlowControl {
  /** Global queued-bytes limit; 0 = unlimited (default). */
  readonly maxBytes: number;
  /** Global queued-requests limit; 0 = unlimited (default). */
  readonly maxRequests: number;
  /** Default 60 000; 0 disables TTL eviction. */
  readonly defaultRequestTtlMs: number;
  /** Default = defaultRequestTtlMs. */
  readonly noEndpointRequestTtlMs: number;
  readonly defaultPriorityBand: ResolvedBandTemplate;
  /** Template for dynamic bands with priority < 0; null → defaultPriorityBand is used. */
  readonly defaultNegativePriorityBand: ResolvedBandTemplate | null;
  /**
   * Declared bands, sorted by priority descending. A band's unset fields come from the template
   * for its sign (defaultNegativePriorityBand for priority < 0 when set), then the built-in defaults.
   */
  readonly priorityBands: readonly ResolvedBand[];
  /** Plugin name. Default 'static-usage-limit-policy'. */
  readonly usageLimitPolicyPluginRef: string;
  /** Plugin name. Default 'utilization-detector'. */
  readonly saturationDetectorPluginRef: string;
  /** Default false. */
  readonly enableEviction: boolean;
}

export interface ResolvedEndpointPicker {
  readonly apiVersion: 'llm-d.ai/v1alpha1' | 'inference.networking.x-k8s.io/v1alpha1';
  readonly kind: 'EndpointPickerConfig';
  /** Every known gate with its value (flowControl default false, haPopulateNonLeaderDatastore true) plus any declared. */
  readonly featureGates: Readonly<Record<string, boolean>>;
  /** Declared plugins, then injected defaults. Names are unique. */
  readonly plugins: readonly ResolvedPlugin[];
  /**
   * As declared, weights defaulted to 1. Empty when none were declared: the scheduling layer then
   * applies the llm-d defaults (a `default` profile of every declared filter/scorer/picker).
   */
  readonly schedulingProfiles: readonly {
    readonly name: string;
    readonly plugins: readonly { readonly pluginRef: string; readonly weight: number }[];
  }[];
  readonly dataLayer: {
    /** Default true. */
    readonly injectDefaults: boolean;
    readonly sources: readonly { readonly pluginRef: string; readonly extractors: readonly string[] }[];
    readonly discoveryPluginRef: string | null;
    readonly peerDiscoveryPluginRef: string | null;
    readonly crossReplicaSyncerPluginRef: string | null;
    /** Default 200. */
    readonly crossReplicaSyncIntervalMs: number;
  };
  readonly flowControl: ResolvedFlowControl;
  /** Parser plugin names; empty → the router's built-in OpenAI parser. */
  readonly parsers: readonly string[];
}
