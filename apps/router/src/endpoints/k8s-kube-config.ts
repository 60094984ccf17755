import { readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';

/** Where the in-cluster service account's namespace is mounted. */
const SERVICE_ACCOUNT_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/**
 * The client configuration for discovery. With `apiServer` set: that URL, no credentials (a
 * `kubectl proxy`, or a test's fake API server). Otherwise the library's default chain: KUBECONFIG,
 * ~/.kube/config, then the in-cluster service account (token, CA, KUBERNETES_SERVICE_HOST).
 */
export function discoveryKubeConfig(apiServer: string | null): KubeConfig {
  const kc = new KubeConfig();
  if (apiServer === null) {
    kc.loadFromDefault();
    return kc;
  }
  const server = apiServer.replace(/\/+$/, '');
  kc.loadFromOptions({
    // The library refuses plain http unless skipTLSVerify is set (there is no TLS to verify); https is verified.
    clusters: [{ name: 'sluice-discovery', server, skipTLSVerify: server.startsWith('http:') }],
    users: [{ name: 'sluice-discovery' }],
    contexts: [{ name: 'sluice-discovery', cluster: 'sluice-discovery', user: 'sluice-discovery' }],
    currentContext: 'sluice-discovery',
  });
  return kc;
}

/** The configured namespace, else the service account's (in cluster), else the kubeconfig context's, else `default`. */
export function discoveryNamespace(configured: string | null, kc: KubeConfig): string {
  if (configured !== null) return configured;
  try {
    const mounted = readFileSync(SERVICE_ACCOUNT_NAMESPACE, 'utf8').trim();
    if (mounted !== '') return mounted;
  } catch {
    // not in a cluster
  }
  return kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
}
