import { createLogger } from '@sluice/telemetry';
import type { Logger } from '@sluice/telemetry';
import type { KubeObject } from '@sluice/testing';
import { testRouterConfig } from './router-config.ts';

/** Namespace of the discovery tests' pods and objectives. */
export const TEST_NAMESPACE = 'llm';

/**
 * A model-server pod as the kubelet reports it. Every simulator listens on 127.0.0.1 with its own
 * port, so each pod declares it as the container port named `http` and the router's
 * `targetPort: http` resolves it per pod (Service-style named target port).
 */
export function simPod(name: string, port: number, ready = true, labels: Record<string, string> = { app: 'sim' }): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: TEST_NAMESPACE, labels },
    spec: { containers: [{ name: 'sim', ports: [{ name: 'http', containerPort: port, protocol: 'TCP' }] }] },
    status: { phase: 'Running', podIP: '127.0.0.1', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

/** testRouterConfig with `pool.kubernetes` (the given fields) instead of static endpoints. */
export function kubernetesRouterConfig(kubernetes: Record<string, unknown>): Record<string, unknown> {
  // Lenient health checks: these tests are about discovery, and one slow probe must not empty the pool.
  const raw = testRouterConfig({ endpoints: [], maxConcurrency: 8, lenientHealthChecks: true });
  const { endpoints: _endpoints, ...pool } = raw['pool'] as Record<string, unknown>;
  return { ...raw, pool: { ...pool, kubernetes } };
}

/** An info-level logger that keeps the router's `Kubernetes discovery…` lines (parsed) in `sink`. */
export function discoveryLogCapture(sink: Record<string, unknown>[]): Logger {
  return createLogger({
    level: 'info',
    destination: {
      write: (line: string) => {
        const entry = JSON.parse(line) as Record<string, unknown>;
        if (String(entry['msg']).startsWith('Kubernetes discovery')) sink.push(entry);
      },
    },
  });
}
