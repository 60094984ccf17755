import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local HTTP server that speaks the Kubernetes API list/watch protocol for namespaced resources,
 * so discovery code runs against the real wire format (no mocks of the client library):
 *
 * - `GET /api/v1/namespaces/{ns}/{plural}` and `GET /apis/{group}/{version}/namespaces/{ns}/{plural}`
 *   list, with `metadata.resourceVersion` on the list; `labelSelector` (equality and set based) and
 *   `fieldSelector` (`metadata.name`, `metadata.namespace`) filter.
 * - `?watch=1&resourceVersion=N` streams newline-delimited JSON events (ADDED, MODIFIED, DELETED,
 *   BOOKMARK) after N; no/zero resourceVersion starts with a synthetic ADDED per object. A selector
 *   watch sees an object that stops matching as DELETED and one that starts matching as ADDED.
 * - A resourceVersion older than the compaction point is expired: answered with an `ERROR` event
 *   carrying a `Status` with code 410 (as the real server does for watches), or with HTTP 410 when
 *   `expiredAs: 'http'`.
 *
 * Resource versions come from one counter shared by all resources (like etcd). Resources are named
 * by their group/version/plural key: `v1/pods`, `inference.networking.k8s.io/v1/inferencepools`.
 */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; resourceVersion?: string; deletionTimestamp?: string; [key: string]: unknown };
  spec?: unknown;
  status?: unknown;
  [key: string]: unknown;
}

export interface FakeKubeApiOptions {
  /** How an expired resourceVersion is answered on a watch: an ERROR event (default) or HTTP 410. */
  readonly expiredAs?: 'event' | 'http';
}

interface HistoryEntry {
  readonly rv: number;
  readonly resource: string;
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly object: KubeObject;
  /** The object before this change (MODIFIED, DELETED). */
  readonly previous: KubeObject | null;
}

interface OpenWatch {
  readonly resource: string;
  readonly namespace: string;
  readonly matches: (o: KubeObject) => boolean;
  readonly res: ServerResponse;
  /** The server-side end of a watch that asked for `timeoutSeconds`, or null. */
  timeout: NodeJS.Timeout | null;
}

/** One parsed label-selector requirement. */
type Requirement = { key: string; op: 'exists' | 'notexists' | 'in' | 'notin'; values: string[] };

/** Parses a Kubernetes label selector (`a=b,c!=d,e in (f,g),!h`); throws on a malformed one. */
export function parseLabelSelector(selector: string): (labels: Readonly<Record<string, string>>) => boolean {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i++) {
    if (selector[i] === '(') depth++;
    else if (selector[i] === ')') depth--;
    else if (selector[i] === ',' && depth === 0) {
      parts.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(selector.slice(start));
  const requirements: Requirement[] = [];
  for (const raw of parts) {
    const part = raw.trim();
    if (part === '') continue;
    let m: RegExpMatchArray | null;
    if ((m = /^!\s*([^\s=!(),]+)$/.exec(part))) requirements.push({ key: m[1]!, op: 'notexists', values: [] });
    else if ((m = /^([^\s=!(),]+)\s*(==|=|!=)\s*([^\s=!(),]*)$/.exec(part))) requirements.push({ key: m[1]!, op: m[2] === '!=' ? 'notin' : 'in', values: [m[3]!] });
    else if ((m = /^([^\s=!(),]+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(part))) requirements.push({ key: m[1]!, op: m[2] as 'in' | 'notin', values: m[3]!.split(',').map((v) => v.trim()) });
    else if ((m = /^([^\s=!(),]+)$/.exec(part))) requirements.push({ key: m[1]!, op: 'exists', values: [] });
    else throw new Error(`invalid label selector requirement ${JSON.stringify(part)}`);
  }
  return (labels) =>
    requirements.every((r) => {
      const value = labels[r.key];
      switch (r.op) {
        case 'exists':
          return value !== undefined;
        case 'notexists':
          return value === undefined;
        case 'in':
          return value !== undefined && r.values.includes(value);
        case 'notin':
          return value === undefined || !r.values.includes(value);
      }
    });
}

function parseFieldSelector(selector: string): (o: KubeObject) => boolean {
  const checks = selector
    .split(',')
    .filter((p) => p.trim() !== '')
    .map((part) => {
      const m = /^\s*(metadata\.name|metadata\.namespace)\s*(==|=|!=)\s*(\S*)\s*$/.exec(part);
      if (!m) throw new Error(`unsupported field selector ${JSON.stringify(part)}`);
      const field = m[1] === 'metadata.name' ? 'name' : 'namespace';
      const negate = m[2] === '!=';
      return (o: KubeObject) => (o.metadata[field] === m[3]) !== negate;
    });
  return (o) => checks.every((check) => check(o));
}

const PATH = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/namespaces\/([^/]+)\/([^/]+)$/;

export class FakeKubeApi {
  /** Base URL, e.g. http://127.0.0.1:36123 (no trailing slash). */
  readonly url: string;
  private readonly server: Server;
  private readonly options: FakeKubeApiOptions;
  /** resource → "namespace/name" → object. */
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly history: HistoryEntry[] = [];
  private readonly watches = new Set<OpenWatch>();
  private rv = 1;
  /** Watches from a resourceVersion below this are expired (410). */
  private compactedBelow = 0;
  private failWith: number | null = null;
  /** Requests served, for assertions: `list v1/pods`, `watch v1/pods`. */
  readonly requests: string[] = [];
  /** The query string of every watch request, in order (e.g. to check timeoutSeconds). */
  readonly watchQueries: URLSearchParams[] = [];
  /** Watches made silent by stall(): kept open, never written to or ended by the server. */
  private readonly stalled = new Set<OpenWatch>();

  private constructor(server: Server, url: string, options: FakeKubeApiOptions) {
    this.server = server;
    this.url = url;
    this.options = options;
  }

  /** Starts the server on 127.0.0.1 and a free port. */
  static async start(options: FakeKubeApiOptions = {}): Promise<FakeKubeApi> {
    let api: FakeKubeApi | null = null;
    const server = createServer((req, res) => api!.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    api = new FakeKubeApi(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, options);
    return api;
  }

  /** The current resourceVersion (the last one handed out). */
  resourceVersion(): number {
    return this.rv;
  }

  /** Creates or replaces an object (namespace default `default`); emits ADDED or MODIFIED. Returns the stored copy. */
  upsert(resource: string, object: KubeObject): KubeObject {
    const namespace = object.metadata.namespace ?? 'default';
    const byKey = this.bucket(resource);
    const key = `${namespace}/${object.metadata.name}`;
    const previous = byKey.get(key) ?? null;
    const stored: KubeObject = structuredClone({ ...object, metadata: { ...object.metadata, namespace, resourceVersion: String(++this.rv) } });
    byKey.set(key, stored);
    this.record({ rv: this.rv, resource, type: previous === null ? 'ADDED' : 'MODIFIED', object: stored, previous });
    return structuredClone(stored);
  }

  /** Applies `change` to a copy of the stored object and upserts it. */
  update(resource: string, name: string, change: (object: KubeObject) => void, namespace = 'default'): KubeObject {
    const current = this.get(resource, name, namespace);
    if (current === undefined) throw new Error(`no ${resource} ${namespace}/${name}`);
    change(current);
    return this.upsert(resource, current);
  }

  /** Removes an object; emits DELETED. */
  remove(resource: string, name: string, namespace = 'default'): void {
    const byKey = this.bucket(resource);
    const key = `${namespace}/${name}`;
    const previous = byKey.get(key);
    if (previous === undefined) throw new Error(`no ${resource} ${key}`);
    byKey.delete(key);
    const object = structuredClone({ ...previous, metadata: { ...previous.metadata, resourceVersion: String(++this.rv) } });
    this.record({ rv: this.rv, resource, type: 'DELETED', object, previous });
  }

  get(resource: string, name: string, namespace = 'default'): KubeObject | undefined {
    const found = this.bucket(resource).get(`${namespace}/${name}`);
    return found === undefined ? undefined : structuredClone(found);
  }

  /** Open watch streams, optionally of one resource. */
  openWatches(resource?: string): number {
    return [...this.watches].filter((w) => resource === undefined || w.resource === resource).length;
  }

  /** Ends open watch streams cleanly (as the server does after its watch timeout); clients re-watch. */
  endWatches(resource?: string): void {
    for (const w of [...this.watches]) if (resource === undefined || w.resource === resource) this.closeWatch(w);
  }

  /**
   * Makes the open watches silent, as if the server or a middlebox vanished without closing the
   * connection: they get no more events, no BOOKMARK and no server-side timeout. The client must
   * notice on its own; changes made meanwhile reach it only through a new watch.
   */
  stall(resource?: string): number {
    let count = 0;
    for (const w of [...this.watches]) {
      if (resource !== undefined && w.resource !== resource) continue;
      this.watches.delete(w);
      if (w.timeout !== null) clearTimeout(w.timeout);
      this.stalled.add(w);
      count++;
    }
    return count;
  }

  /** Sends a BOOKMARK with the current resourceVersion to open watches. */
  bookmark(resource?: string): void {
    for (const w of this.watches) {
      if (resource !== undefined && w.resource !== resource) continue;
      w.res.write(`${JSON.stringify({ type: 'BOOKMARK', object: { kind: 'Bookmark', metadata: { resourceVersion: String(this.rv) } } })}\n`);
    }
  }

  /**
   * Compacts history: every resourceVersion handed out so far is expired (a re-watch from one gets 410). Open watches get an ERROR event
   * with a 410 Status and are closed, so clients must re-list.
   */
  expireWatches(resource?: string): void {
    this.compact();
    for (const w of [...this.watches]) {
      if (resource !== undefined && w.resource !== resource) continue;
      w.res.write(`${JSON.stringify(expiredEvent(this.rv))}\n`);
      this.closeWatch(w);
    }
  }

  /**
   * Compacts history without touching open watches: a later watch from any resourceVersion handed
   * out so far is expired (410, as an ERROR event or HTTP 410 per `expiredAs`).
   */
  compact(): void {
    // Compaction moves past every version a client holds.
    this.compactedBelow = ++this.rv + 1;
  }

  /** While set, every request is answered with this HTTP status (API server down); open watches are cut. */
  failRequests(status: number | null): void {
    this.failWith = status;
    if (status !== null) for (const w of [...this.watches]) this.closeWatch(w, true);
  }

  async stop(): Promise<void> {
    for (const w of [...this.watches]) this.closeWatch(w, true);
    for (const w of [...this.stalled]) w.res.destroy();
    this.stalled.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private bucket(resource: string): Map<string, KubeObject> {
    let byKey = this.objects.get(resource);
    if (byKey === undefined) {
      byKey = new Map();
      this.objects.set(resource, byKey);
    }
    return byKey;
  }

  private record(entry: HistoryEntry): void {
    this.history.push(entry);
    for (const w of this.watches) if (w.resource === entry.resource) this.send(w, entry);
  }

  /** Writes the event as this watcher sees it (selector transitions become ADDED / DELETED). */
  private send(w: OpenWatch, entry: HistoryEntry): void {
    const inNamespace = (o: KubeObject | null) => o !== null && o.metadata.namespace === w.namespace && w.matches(o);
    const before = inNamespace(entry.previous);
    const after = entry.type !== 'DELETED' && inNamespace(entry.object);
    let type: string | null = null;
    if (entry.type === 'DELETED') type = before ? 'DELETED' : null;
    else if (before && after) type = 'MODIFIED';
    else if (after) type = 'ADDED';
    else if (before) type = 'DELETED';
    if (type !== null) w.res.write(`${JSON.stringify({ type, object: entry.object })}\n`);
  }

  private closeWatch(w: OpenWatch, abrupt = false): void {
    this.watches.delete(w);
    if (w.timeout !== null) clearTimeout(w.timeout);
    if (abrupt) w.res.destroy();
    else w.res.end();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    const m = PATH.exec(url.pathname);
    if (this.failWith !== null) return json(res, this.failWith, status(this.failWith, 'injected failure'));
    if (req.method !== 'GET' || m === null) return json(res, 404, status(404, `not found: ${req.method} ${url.pathname}`));
    const resource = m[1] !== undefined ? `v1/${m[5]}` : `${m[2]}/${m[3]}/${m[5]}`;
    const namespace = m[4]!;
    let matches: (o: KubeObject) => boolean;
    try {
      const labels = parseLabelSelector(url.searchParams.get('labelSelector') ?? '');
      const fields = parseFieldSelector(url.searchParams.get('fieldSelector') ?? '');
      matches = (o) => labels(o.metadata.labels ?? {}) && fields(o);
    } catch (error) {
      return json(res, 400, status(400, (error as Error).message));
    }
    const watch = url.searchParams.get('watch');
    const current = () => [...this.bucket(resource).values()].filter((o) => o.metadata.namespace === namespace && matches(o));
    if (watch !== '1' && watch !== 'true') {
      this.requests.push(`list ${resource}`);
      const kind = `${m[5]!.replace(/s$/, '').replace(/^./, (c) => c.toUpperCase())}List`;
      return json(res, 200, { apiVersion: m[1] ?? `${m[2]}/${m[3]}`, kind, metadata: { resourceVersion: String(this.rv) }, items: current() });
    }
    this.requests.push(`watch ${resource}`);
    this.watchQueries.push(url.searchParams);
    const fromText = url.searchParams.get('resourceVersion') ?? '';
    const from = fromText === '' || fromText === '0' ? null : Number(fromText);
    if (from !== null && (!Number.isInteger(from) || from < this.compactedBelow - 1)) {
      if (this.options.expiredAs === 'http') return json(res, 410, expiredEvent(this.rv).object);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify(expiredEvent(this.rv))}\n`);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const w: OpenWatch = { resource, namespace, matches, res, timeout: null };
    if (from === null) for (const o of current()) res.write(`${JSON.stringify({ type: 'ADDED', object: o })}\n`);
    else for (const entry of this.history) if (entry.rv > from && entry.resource === resource) this.send(w, entry);
    this.watches.add(w);
    // As the API server does: a watch that asked for timeoutSeconds is ended cleanly after it.
    const timeoutSeconds = Number(url.searchParams.get('timeoutSeconds') ?? '');
    if (Number.isInteger(timeoutSeconds) && timeoutSeconds > 0) w.timeout = setTimeout(() => this.closeWatch(w), timeoutSeconds * 1000);
    req.once('close', () => {
      this.watches.delete(w);
      this.stalled.delete(w);
      if (w.timeout !== null) clearTimeout(w.timeout);
    });
  }
}

function status(code: number, message: string) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: code === 410 ? 'Expired' : 'Failure', code };
}

function expiredEvent(rv: number) {
  return { type: 'ERROR', object: status(410, `too old resource version (current ${rv})`) };
}

function json(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
