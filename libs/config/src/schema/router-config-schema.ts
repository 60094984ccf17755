import { Type, type Static } from '@sinclair/typebox';
import { EndpointPickerSchema } from './endpoint-picker-schema.ts';

/**
 * Structural schema of the Sluice `RouterConfig` YAML. Every object is closed
 * (`additionalProperties: false`), so a misspelt field is an error with its path. Durations,
 * quantities and `host:port` strings are checked by the resolver, which reports friendlier messages.
 */

const Strict = { additionalProperties: false } as const;
const Duration = Type.Unknown({ description: 'Go duration, e.g. 30s, 5m, 200ms' });
const Quantity = Type.Unknown({ description: 'Kubernetes quantity, e.g. 10Mi' });
const Port = Type.Integer({ minimum: 0, maximum: 65535 });
const Priority = Type.Integer({ minimum: -2147483648, maximum: 2147483647 });

export const CRITICALITIES = ['Critical', 'Standard', 'Sheddable', 'Schedulable'] as const;
export type Criticality = (typeof CRITICALITIES)[number];

export const ServerSchema = Type.Object(
  {
    port: Type.Optional(Port),
    host: Type.Optional(Type.String({ minLength: 1 })),
    /** Max request body size (quantity, bytes); larger bodies get 413. */
    bodyLimit: Type.Optional(Quantity),
    /** SIGTERM: how long in-flight and queued requests may still be served. */
    drainTimeout: Type.Optional(Duration),
    /** Stable replica id (defaults to hostname-pid at start-up). */
    replicaId: Type.Optional(Type.String({ minLength: 1 })),
    /** Separate listener for /admin/* and /dashboard (plus /metrics, /healthz, /readyz); the main port then does not serve them. */
    adminPort: Type.Optional(Port),
    /** Max total size of request headers (quantity, bytes; Node `maxHeaderSize`); larger → 431. Default 16Ki. */
    maxHeaderSize: Type.Optional(Quantity),
    /** Max nesting depth of the JSON body; deeper → 400. Default 64. */
    maxJsonDepth: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
    /** Max estimated prompt tokens; larger → 400 context_length_exceeded. Default: no limit. */
    maxPromptTokens: Type.Optional(Type.Integer({ minimum: 1 })),
    /** Slow clients: time to receive all request headers. Default 30s. */
    headersTimeout: Type.Optional(Duration),
    /** Slow clients: time to receive the whole request (headers + body). Default 120s. */
    requestTimeout: Type.Optional(Duration),
    /** Idle keep-alive connections are closed after this. Default 65s. */
    keepAliveTimeout: Type.Optional(Duration),
  },
  Strict,
);

export const RedisSchema = Type.Object(
  {
    url: Type.Optional(Type.String({ minLength: 1 })),
    sentinel: Type.Optional(
      Type.Object(
        {
          name: Type.String({ minLength: 1 }),
          nodes: Type.Array(Type.String(), { minItems: 1 }),
          password: Type.Optional(Type.String()),
          sentinelPassword: Type.Optional(Type.String()),
          db: Type.Optional(Type.Integer({ minimum: 0 })),
        },
        Strict,
      ),
    ),
    cluster: Type.Optional(
      Type.Object({ nodes: Type.Array(Type.String(), { minItems: 1 }), password: Type.Optional(Type.String()) }, Strict),
    ),
    connectTimeout: Type.Optional(Duration),
    /** ioredis auto-pipelining of the command client: batch the commands of one tick into one write. Default false. */
    autoPipelining: Type.Optional(Type.Boolean()),
    /** ACL user (Redis 6+). Overrides the URL's user. */
    username: Type.Optional(Type.String({ minLength: 1 })),
    /** Prefer passwordEnv: a password in the file ends up in ConfigMaps. */
    password: Type.Optional(Type.String({ minLength: 1 })),
    /** Environment variable holding the password (AUTH / ACL). */
    passwordEnv: Type.Optional(Type.String({ minLength: 1 })),
    /** TLS (implied by a rediss:// URL). */
    tls: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(Type.Boolean()),
          /** PEM CA bundle to trust (private CAs). */
          caFile: Type.Optional(Type.String({ minLength: 1 })),
          /** SNI / certificate name to check, when it differs from the host. */
          servername: Type.Optional(Type.String({ minLength: 1 })),
          /** Skip certificate verification (tests only). */
          insecureSkipVerify: Type.Optional(Type.Boolean()),
        },
        Strict,
      ),
    ),
  },
  Strict,
);

export const PoolSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    endpoints: Type.Optional(Type.Array(Type.String())),
    dns: Type.Optional(
      Type.Object({ name: Type.String({ minLength: 1 }), port: Type.Integer({ minimum: 1, maximum: 65535 }), refresh: Type.Optional(Duration) }, Strict),
    ),
    /** Kubernetes discovery (pods by label selector or through an InferencePool); checked by resolve-kubernetes-discovery.ts. */
    kubernetes: Type.Optional(
      Type.Object(
        {
          /** Default: the service account's namespace (in cluster), else `default`. */
          namespace: Type.Optional(Type.String({ minLength: 1 })),
          labelSelector: Type.Optional(Type.String()),
          inferencePool: Type.Optional(Type.String({ minLength: 1 })),
          inferencePoolApiVersion: Type.Optional(Type.Union(['inference.networking.k8s.io/v1', 'inference.networking.x-k8s.io/v1alpha2'].map((v) => Type.Literal(v)))),
          /** Port number, or the name of a container port (like a Service targetPort). */
          targetPort: Type.Optional(Type.Union([Type.Integer(), Type.String()])),
          /** Also watch InferenceObjectives whose poolRef names this pool. */
          objectives: Type.Optional(Type.Boolean()),
          /** API server URL without auth (e.g. `kubectl proxy`); default: KUBECONFIG / in-cluster service account. */
          apiServer: Type.Optional(Type.String({ minLength: 1 })),
          /** Pause before re-starting a watch that failed (not 410, which re-lists at once). */
          restartBackoff: Type.Optional(Duration),
          /** Server-side watch timeout (`timeoutSeconds`); a watch still open this long + a quarter is presumed stalled and re-opened. */
          watchTimeout: Type.Optional(Duration),
        },
        Strict,
      ),
    ),
    healthCheck: Type.Optional(
      Type.Object(
        {
          path: Type.Optional(Type.String({ pattern: '^/' })),
          interval: Type.Optional(Duration),
          timeout: Type.Optional(Duration),
          /** Passive marking: consecutive failures before an endpoint is taken out. */
          failureThreshold: Type.Optional(Type.Integer({ minimum: 1 })),
          backoffInitial: Type.Optional(Duration),
          backoffMax: Type.Optional(Duration),
        },
        Strict,
      ),
    ),
  },
  Strict,
);

export const ProxySchema = Type.Object(
  {
    connectTimeout: Type.Optional(Duration),
    firstByteTimeout: Type.Optional(Duration),
    streamIdleTimeout: Type.Optional(Duration),
    /** Retries on another endpoint before the first byte (connection refused or 503). */
    maxRetries: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
  },
  Strict,
);

export const ObjectiveSchema = Type.Object({ name: Type.String({ minLength: 1 }), priority: Type.Optional(Priority) }, Strict);

export const TargetModelSchema = Type.Object({ name: Type.String({ minLength: 1 }), weight: Type.Optional(Type.Number()) }, Strict);

export const ModelSchema = Type.Object(
  {
    modelName: Type.String({ minLength: 1 }),
    criticality: Type.Optional(Type.Union(CRITICALITIES.map((value) => Type.Literal(value)))),
    /** Name of an entry of `objectives`; its priority overrides the criticality's. */
    objective: Type.Optional(Type.String({ minLength: 1 })),
    targetModels: Type.Optional(Type.Array(TargetModelSchema, { maxItems: 10 })),
  },
  Strict,
);

export const AUTH_MODES = ['trusted-headers', 'api-keys', 'jwt'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

/** Per-tenant fleet-wide limits (absent = unlimited). */
export const TenantLimitsSchema = Type.Object(
  { requestsPerMinute: Type.Optional(Type.Integer({ minimum: 1 })), tokensPerMinute: Type.Optional(Type.Integer({ minimum: 1 })) },
  Strict,
);

/** What a credential may ask for: objectives (names of `objectives`), the default, a priority ceiling, limits. */
const GrantFields = {
  objectives: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
  defaultObjective: Type.Optional(Type.String({ minLength: 1 })),
  maxPriority: Type.Optional(Priority),
  limits: Type.Optional(TenantLimitsSchema),
};
export const GrantSchema = Type.Object(GrantFields, Strict);

/** One API key entry (keys file / env / Secret dir). Exactly one of key, keySha256. */
export const ApiKeyEntrySchema = Type.Object(
  {
    key: Type.Optional(Type.String({ minLength: 8 })),
    keySha256: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{64}$' })),
    tenant: Type.String({ minLength: 1, maxLength: 256 }),
    /** Free text for operators (never logged with the key). */
    name: Type.Optional(Type.String()),
    ...GrantFields,
  },
  Strict,
);

/** A JWT claim rule: first match wins. `claim` is a dotted path (or a list of path segments). */
export const ClaimRuleSchema = Type.Object(
  {
    claim: Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })]),
    /** Matches when the claim (or any element of an array claim) equals this string. */
    equals: Type.Optional(Type.String()),
    /** Matches when the claim (or any element) matches this regular expression (anchor it yourself). */
    pattern: Type.Optional(Type.String({ minLength: 1 })),
    /** Tenant for a match; `$1`… refer to pattern groups. Default: the tenant claim. */
    tenant: Type.Optional(Type.String({ minLength: 1 })),
    ...GrantFields,
  },
  Strict,
);

const SecretRef = {
  /** The credential in clear text (discouraged in files: prefer keySha256 or keyEnv). */
  key: Type.Optional(Type.String({ minLength: 8 })),
  keySha256: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{64}$' })),
  /** Environment variable holding the credential. */
  keyEnv: Type.Optional(Type.String({ minLength: 1 })),
};

export const AuthSchema = Type.Object(
  {
    mode: Type.Optional(Type.Union(AUTH_MODES.map((m) => Type.Literal(m)))),
    /** Fairness id when the request names none (trusted-headers). */
    defaultFairnessId: Type.Optional(Type.String({ minLength: 1 })),
    /** true (default): an objective above the credential's ceiling is clamped; false: 403. */
    clampPriority: Type.Optional(Type.Boolean()),
    /** api-keys: YAML/JSON file `{ keys: [...] }`. */
    keysFile: Type.Optional(Type.String({ minLength: 1 })),
    /** api-keys: environment variable holding the same YAML/JSON document. */
    keysEnv: Type.Optional(Type.String({ minLength: 1 })),
    /** api-keys: directory (mounted Secret); every file not starting with '.' is a keys document. */
    keysDir: Type.Optional(Type.String({ minLength: 1 })),
    jwt: Type.Optional(
      Type.Object(
        {
          jwksUrl: Type.Optional(Type.String({ minLength: 1 })),
          jwksFile: Type.Optional(Type.String({ minLength: 1 })),
          /** PEM (SPKI) public key file. */
          publicKeyFile: Type.Optional(Type.String({ minLength: 1 })),
          issuer: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })])),
          audience: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })])),
          algorithms: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
          /** Tolerance for exp/nbf/iat. Default 30s. */
          clockSkew: Type.Optional(Duration),
          /** `openshift`: service account → its namespace, other tokens → `authenticated`. */
          preset: Type.Optional(Type.Literal('openshift')),
          claims: Type.Optional(Type.Object({ tenant: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })])) }, Strict)),
          rules: Type.Optional(Type.Array(ClaimRuleSchema)),
          /** Grant for a verified token no rule matched (absent: such tokens get 403). */
          grant: Type.Optional(GrantSchema),
        },
        Strict,
      ),
    ),
    /** Requests without a credential: tenant `unauthenticated` (default) with this grant; else 401. */
    anonymous: Type.Optional(
      Type.Object({ enabled: Type.Boolean(), tenant: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })), objective: Type.Optional(Type.String({ minLength: 1 })), ...GrantFields }, Strict),
    ),
    /** Credential for /admin/* and /dashboard when mode != trusted-headers. */
    admin: Type.Optional(Type.Object(SecretRef, Strict)),
  },
  Strict,
);

/**
 * Fleet-wide per-tenant rate limits for every auth mode. A credential's own limits win field by
 * field, then the tenant's override, then `defaultLimits`. `rateLimitWindow` (default 1m) exists for
 * tests: limits stay per minute and are scaled to the window.
 */
export const TenantsSchema = Type.Object(
  {
    defaultLimits: Type.Optional(TenantLimitsSchema),
    overrides: Type.Optional(Type.Array(Type.Object({ tenant: Type.String({ minLength: 1 }), limits: TenantLimitsSchema }, Strict))),
    rateLimitWindow: Type.Optional(Duration),
    /** Outstanding reservations are forgotten after this (a replica died mid-request). Default 10m. */
    reservationTtl: Type.Optional(Duration),
  },
  Strict,
);

export const RouterConfigSchema = Type.Object(
  {
    apiVersion: Type.Literal('sluice.dev/v1alpha1'),
    kind: Type.Literal('RouterConfig'),
    server: Type.Optional(ServerSchema),
    redis: Type.Optional(RedisSchema),
    pool: PoolSchema,
    proxy: Type.Optional(ProxySchema),
    objectives: Type.Optional(Type.Array(ObjectiveSchema)),
    models: Type.Optional(Type.Array(ModelSchema)),
    criticalityPriorities: Type.Optional(
      Type.Object(Object.fromEntries(CRITICALITIES.map((name) => [name, Type.Optional(Priority)])), Strict),
    ),
    auth: Type.Optional(AuthSchema),
    tenants: Type.Optional(TenantsSchema),
    endpointPicker: Type.Optional(EndpointPickerSchema),
    logging: Type.Optional(
      Type.Object({ level: Type.Optional(Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)))) }, Strict),
    ),
    tracing: Type.Optional(
      Type.Object(
        {
          otlpEndpoint: Type.Optional(Type.String({ minLength: 1 })),
          serviceName: Type.Optional(Type.String({ minLength: 1 })),
          sampleRatio: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
        },
        Strict,
      ),
    ),
  },
  Strict,
);

export type RouterConfigInput = Static<typeof RouterConfigSchema>;
