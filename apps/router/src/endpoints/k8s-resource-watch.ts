import { ListWatch, Watch } from '@kubernetes/client-node';
import type { KubeConfig, KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import type { Clock, TimerHandle } from '@sluice/flow-control';
import type { Logger } from '@sluice/telemetry';

/**
 * Why a watch was restarted: the stream ended (re-watch from the last resourceVersion), 410 Gone
 * (re-list), an error (retried after a pause), or it stalled (open past its deadline with the server
 * silent: aborted by the router, then re-watched like an error).
 */
export type WatchRestartReason = 'rewatch' | 'relist' | 'error' | 'stalled';

export interface ResourceWatchOptions<T extends KubernetesObject> {
  readonly kubeConfig: KubeConfig;
  /** Collection path the watch GETs, e.g. /api/v1/namespaces/ns/pods. */
  readonly path: string;
  /** One list call (same path and selectors); its metadata.resourceVersion starts the watch. */
  readonly list: () => Promise<KubernetesListObject<T>>;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** For logs and the restart metric, e.g. `pods`. */
  readonly resource: string;
  /** Pause (ms) before restarting after an error other than 410. */
  readonly restartBackoffMs: number;
  /**
   * Asked of the API server as `timeoutSeconds` (ms, whole seconds); a watch still open at 1.25× this
   * is presumed dead (no FIN, no RST: the server or a middlebox vanished) and aborted by the router.
   */
  readonly watchTimeoutMs: number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly onRestart: (reason: WatchRestartReason) => void;
  /** The full current object set, after every batch of changes (coalesced per tick). */
  readonly onChange: (objects: readonly T[]) => void;
}

/**
 * List-then-watch of one resource collection (the client library's ListWatch informer), kept
 * alive: a watch that ends is re-opened from the last resourceVersion; a 410 Gone (ERROR event or
 * HTTP 410) makes the informer re-list and diff; any other failure (API server down, 5xx) keeps the
 * last known objects and retries every `restartBackoffMs`. Each restart is logged and counted.
 */
export class ResourceWatch<T extends KubernetesObject> {
  private readonly informer: ListWatch<T>;
  private stopped = false;
  private connects = 0;
  private retryingAfterError = false;
  private retryTimer: TimerHandle | null = null;
  private pendingEmit = false;
  private firstError: unknown = null;
  private failFast = false;
  /** Failures since the last healthy (re)connect or event; logs are warn at 1, 2, 4, 8, … and debug between. */
  private consecutiveErrors = 0;

  /** Set by the deadline watchdog just before it aborts a stalled watch, read by onError. */
  private stalledAbort = false;

  constructor(private readonly options: ResourceWatchOptions<T>) {
    const bounded = new BoundedWatch(new Watch(options.kubeConfig), options.watchTimeoutMs, options.clock, () => {
      this.stalledAbort = true;
    });
    this.informer = new ListWatch<T>(options.path, bounded as unknown as Watch, options.list, false, options.labelSelector, options.fieldSelector);
    const changed = (): void => {
      this.consecutiveErrors = 0;
      this.scheduleEmit();
    };
    this.informer.on('add', changed);
    this.informer.on('update', changed);
    this.informer.on('delete', changed);
    this.informer.on('connect', () => this.onConnect());
    this.informer.on('error', (error: unknown) => this.onError(error));
  }

  /**
   * Lists and opens the watch. `failFast` (start-up): throw if the first list fails. Otherwise a
   * failed first list is retried in the background like any other error.
   */
  async start(failFast = true): Promise<void> {
    this.stopped = false;
    this.firstError = null;
    this.failFast = failFast;
    await this.informer.start();
    this.failFast = false;
    if (this.firstError !== null) {
      const error = this.firstError;
      await this.stop();
      const status = (error as { statusCode?: unknown; code?: unknown }).statusCode ?? (error as { code?: unknown }).code;
      throw new Error(`listing/watching ${this.options.resource} failed${status === undefined ? '' : ` (${String(status)})`}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer !== null) this.options.clock.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    await this.informer.stop();
  }

  /** The objects as last listed/watched. */
  objects(): readonly T[] {
    return this.informer.list();
  }

  private scheduleEmit(): void {
    if (this.pendingEmit) return;
    this.pendingEmit = true;
    // A re-list delivers one callback per object; emit once after the whole batch.
    queueMicrotask(() => {
      this.pendingEmit = false;
      if (!this.stopped) this.options.onChange(this.informer.list());
    });
  }

  private onConnect(): void {
    this.connects++;
    if (this.connects === 1) return;
    if (this.retryingAfterError) {
      this.retryingAfterError = false;
      return; // counted when the error was seen
    }
    this.consecutiveErrors = 0;
    const relist = this.informer.latestResourceVersion() === '';
    const reason: WatchRestartReason = relist ? 'relist' : 'rewatch';
    this.options.onRestart(reason);
    const fields = { resource: this.options.resource, reason };
    if (relist) this.options.logger.warn(fields, 'Kubernetes discovery: resourceVersion expired (410 Gone); re-listing');
    else this.options.logger.info(fields, 'Kubernetes discovery: watch ended; re-watching from the last resourceVersion');
  }

  private onError(error: unknown): void {
    if (this.stopped) return;
    if (this.failFast && this.firstError === null) {
      this.firstError = error; // the first list failed: start() throws
      return;
    }
    if (this.stalledAbort) {
      this.stalledAbort = false;
      this.options.onRestart('stalled');
      this.options.logger.warn(
        { resource: this.options.resource, watch_deadline_ms: Math.round(this.options.watchTimeoutMs * 1.25) },
        'Kubernetes discovery: watch open past its deadline with no end from the server; aborted, re-watching',
      );
      this.retryingAfterError = true;
      this.informer.start().catch((e: unknown) => this.onError(e));
      return;
    }
    this.options.onRestart('error');
    this.consecutiveErrors++;
    const n = this.consecutiveErrors;
    const level = (n & (n - 1)) === 0 ? 'warn' : 'debug';
    this.options.logger[level](
      { err: error, resource: this.options.resource, consecutive_failures: n, retry_in_ms: this.options.restartBackoffMs },
      'Kubernetes discovery: watch failed; keeping the last known objects and retrying',
    );
    this.retryingAfterError = true;
    this.retryTimer = this.options.clock.setTimeout(() => {
      this.retryTimer = null;
      if (this.stopped) return;
      // start() re-watches from the last resourceVersion, or re-lists if there is none.
      this.informer.start().catch((e: unknown) => this.onError(e));
    }, this.options.restartBackoffMs);
  }
}

type WatchDone = (err: unknown) => void;

/**
 * The client library's Watch with a bound: every watch asks the server to end it after
 * `timeoutMs` (`timeoutSeconds`, as client-go's reflector does, so healthy watches cycle) and with
 * `allowWatchBookmarks` (the resourceVersion stays fresh, fewer 410s). A watch still open at
 * 1.25 × `timeoutMs` has outlived the server's own deadline, so its connection is presumed dead:
 * `onStalled` runs, then the request is aborted, which reaches the informer as an error.
 */
class BoundedWatch {
  constructor(
    private readonly inner: Watch,
    private readonly timeoutMs: number,
    private readonly clock: Clock,
    private readonly onStalled: () => void,
  ) {}

  async watch(path: string, queryParams: Record<string, unknown>, callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void, done: WatchDone): Promise<AbortController> {
    let finished = false;
    let deadline: TimerHandle | null = null;
    const params = { ...queryParams, timeoutSeconds: Math.max(1, Math.round(this.timeoutMs / 1000)), allowWatchBookmarks: true };
    const controller = await this.inner.watch(path, params, callback, (err: unknown) => {
      finished = true;
      if (deadline !== null) this.clock.clearTimeout(deadline);
      done(err);
    });
    if (!finished) {
      deadline = this.clock.setTimeout(() => {
        if (finished) return;
        this.onStalled();
        controller.abort();
      }, Math.round(this.timeoutMs * 1.25));
    }
    return controller;
  }
}
