import { Type, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ConfigMap, Namespace, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { PodMonitor, ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';

/** A rendered manifest object (one YAML document). */
export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string> };
  readonly [field: string]: unknown;
}

interface Validatable {
  validate(): void;
}

/**
 * Validators by `apiVersion/kind`: Kubernetes built-ins, Prometheus Operator and KEDA from the
 * kubernetes-models packages (OpenAPI / CRD schemas: types, required fields, enums, formats; they
 * do NOT reject unknown fields), and the two Gateway API Inference Extension CRDs from the closed
 * schemas below.
 */
const MODELS: Record<string, (data: K8sObject) => Validatable> = {
  'v1/ConfigMap': (d) => new ConfigMap(d as never),
  'v1/Namespace': (d) => new Namespace(d as never),
  'v1/Service': (d) => new Service(d as never),
  'v1/ServiceAccount': (d) => new ServiceAccount(d as never),
  'apps/v1/Deployment': (d) => new Deployment(d as never),
  'apps/v1/StatefulSet': (d) => new StatefulSet(d as never),
  'autoscaling/v2/HorizontalPodAutoscaler': (d) => new HorizontalPodAutoscaler(d as never),
  'policy/v1/PodDisruptionBudget': (d) => new PodDisruptionBudget(d as never),
  'rbac.authorization.k8s.io/v1/Role': (d) => new Role(d as never),
  'rbac.authorization.k8s.io/v1/RoleBinding': (d) => new RoleBinding(d as never),
  'monitoring.coreos.com/v1/ServiceMonitor': (d) => new ServiceMonitor(d as never),
  'monitoring.coreos.com/v1/PodMonitor': (d) => new PodMonitor(d as never),
  'keda.sh/v1alpha1/ScaledObject': (d) => new ScaledObject(d as never),
  'inference.networking.k8s.io/v1/InferencePool': (d) => typeboxModel(InferencePoolSchema, d),
  'inference.networking.x-k8s.io/v1alpha2/InferenceObjective': (d) => typeboxModel(InferenceObjectiveSchema, d),
};

/** Throws with every schema error of `object`, or when its kind has no known schema. */
export function validateK8sObject(object: K8sObject): void {
  const key = `${object.apiVersion}/${object.kind}`;
  const model = MODELS[key];
  if (model === undefined) throw new Error(`no schema for ${key} (${object.metadata.name}): add one to deploy/src/k8s-schemas.ts`);
  model(object).validate();
}

// --- Gateway API Inference Extension CRDs (closed schemas written from the upstream type fields:
// GIE api/v1/inferencepool_types.go and apix/v1alpha2/inferenceobjective_types.go) ---

const Strict = { additionalProperties: false } as const;
const DnsLabel = Type.String({ minLength: 1, maxLength: 63, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' });
const Group = Type.String({ maxLength: 253, pattern: '^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$' });
const PortNumber = Type.Object({ number: Type.Integer({ minimum: 1, maximum: 65535 }) }, Strict);
const Metadata = Type.Object(
  { name: DnsLabel, namespace: Type.Optional(DnsLabel), labels: Type.Optional(Type.Record(Type.String(), Type.String())), annotations: Type.Optional(Type.Record(Type.String(), Type.String())) },
  Strict,
);

export const InferencePoolSchema = Type.Object(
  {
    apiVersion: Type.Literal('inference.networking.k8s.io/v1'),
    kind: Type.Literal('InferencePool'),
    metadata: Metadata,
    spec: Type.Object(
      {
        selector: Type.Object({ matchLabels: Type.Record(Type.String(), Type.String(), { minProperties: 1, maxProperties: 64 }) }, Strict),
        targetPorts: Type.Array(PortNumber, { minItems: 1, maxItems: 8 }),
        appProtocol: Type.Optional(Type.Union([Type.Literal('http'), Type.Literal('kubernetes.io/h2c')])),
        endpointPickerRef: Type.Optional(
          Type.Object(
            {
              group: Type.Optional(Group),
              kind: Type.Optional(Type.String({ minLength: 1, maxLength: 63 })),
              name: DnsLabel,
              port: Type.Optional(PortNumber),
              failureMode: Type.Optional(Type.Union([Type.Literal('FailOpen'), Type.Literal('FailClose')])),
            },
            Strict,
          ),
        ),
      },
      Strict,
    ),
  },
  Strict,
);

export const InferenceObjectiveSchema = Type.Object(
  {
    apiVersion: Type.Literal('inference.networking.x-k8s.io/v1alpha2'),
    kind: Type.Literal('InferenceObjective'),
    metadata: Metadata,
    spec: Type.Object(
      {
        priority: Type.Optional(Type.Integer({ minimum: -2147483648, maximum: 2147483647 })),
        poolRef: Type.Object({ group: Type.Optional(Group), kind: Type.Optional(Type.String({ minLength: 1, maxLength: 63 })), name: DnsLabel }, Strict),
      },
      Strict,
    ),
  },
  Strict,
);

function typeboxModel(schema: TSchema, data: K8sObject): Validatable {
  return {
    validate() {
      const errors = [...Value.Errors(schema, data)].map((e) => `${e.path || '/'}: ${e.message}`);
      if (errors.length > 0) throw new Error(`${data.kind} ${data.metadata.name}: ${errors.join('; ')}`);
    },
  };
}
