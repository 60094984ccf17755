import { request } from 'undici';
import type { Clock, TimerHandle } from '@sluice/flow-control';

/** Health-check settings (ResolvedPool.healthCheck). All durations in ms. */
export interface HealthSettings {
  readonly path: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Consecutive failed probes before an endpoint is marked down. */
  readonly failureThreshold: number;
  /** First pause after a passive failure mark; doubles per consecutive failure up to backoffMaxMs. */
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
}

/** One endpoint's health as the router sees it. */
export interface EndpointHealthState {
  readonly name: string;
  readonly url: string;
  healthy: boolean;
  consecutiveFailures: number;
  /** Clock ms before which passive marking keeps the endpoint out (0 = none). */
  downUntilMs: number;
  /** Current backoff length (ms) for the next passive mark. */
  backoffMs: number;
  lastError: string | null;
}

/**
 * Active and passive endpoint health. Active: GET `path` every `intervalMs`; 2xx is a success,
 * anything else (or a timeout) a failure; `failureThreshold` consecutive failures mark it down, one
 * success marks it up (unless a passive backoff is still running). Passive: the proxy reports
 * connection failures / 5xx; the endpoint is down at once for a backoff that doubles per consecutive
 * failure (initial..max), and the next active success after the backoff brings it back.
 * `onChange` fires with the healthy names whenever the set changes.
 */
export class EndpointHealth {
  private states: EndpointHealthState[];
  private readonly byName = new Map<string, EndpointHealthState>();
  private readonly settings: HealthSettings;
  private readonly clock: Clock;
  private readonly onChange: (healthy: readonly string[]) => void;
  private timer: TimerHandle | null = null;
  private running = false;
  private probing: Promise<void> | null = null;

  constructor(options: { endpoints: readonly { name: string; url: string }[]; settings: HealthSettings; clock: Clock; onChange: (healthy: readonly string[]) => void }) {
    this.settings = options.settings;
    this.clock = options.clock;
    this.onChange = options.onChange;
    this.states = options.endpoints.map((e) => ({
      name: e.name,
      url: e.url,
      healthy: false,
      consecutiveFailures: 0,
      downUntilMs: 0,
      backoffMs: options.settings.backoffInitialMs,
      lastError: null,
    }));
    for (const s of this.states) this.byName.set(s.name, s);
  }

  /** Probe every endpoint once (awaited), then keep probing every intervalMs. */
  async start(): Promise<void> {
    this.running = true;
    await this.probeAll();
    this.schedule();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    await this.probing;
  }

  /**
   * Replace the endpoint set (DNS discovery). Known endpoints keep their state; new ones start
   * unhealthy and are probed at once; removed ones disappear (the change is emitted).
   */
  async setEndpoints(endpoints: readonly { name: string; url: string }[]): Promise<void> {
    const next: EndpointHealthState[] = [];
    const added: EndpointHealthState[] = [];
    for (const e of endpoints) {
      const known = this.byName.get(e.name);
      if (known) next.push(known);
      else {
        const state = { name: e.name, url: e.url, healthy: false, consecutiveFailures: 0, downUntilMs: 0, backoffMs: this.settings.backoffInitialMs, lastError: null };
        next.push(state);
        added.push(state);
      }
    }
    this.states = next;
    this.byName.clear();
    for (const s of next) this.byName.set(s.name, s);
    await Promise.all(added.map((s) => this.probe(s)));
    this.emitIfChanged();
  }

  healthyNames(): string[] {
    return this.states.filter((s) => s.healthy).map((s) => s.name);
  }

  anyHealthy(): boolean {
    for (const s of this.states) if (s.healthy) return true;
    return false;
  }

  isHealthy(name: string): boolean {
    return this.byName.get(name)?.healthy ?? false;
  }

  snapshot(): readonly Readonly<EndpointHealthState>[] {
    return this.states.map((s) => ({ ...s }));
  }

  /** Passive failure from the proxy: down now, for a doubling backoff; probes bring it back. */
  reportFailure(name: string, reason: string): void {
    const s = this.byName.get(name);
    if (!s) return;
    s.lastError = reason;
    s.downUntilMs = this.clock.now() + s.backoffMs;
    s.backoffMs = Math.min(this.settings.backoffMaxMs, s.backoffMs * 2);
    this.set(s, false);
    // Probe once right after the backoff instead of waiting for the next interval.
    if (this.running) this.clock.setTimeout(() => void this.probe(s).then(() => this.emitIfChanged()), s.downUntilMs - this.clock.now() + 1);
  }

  /** Passive success from the proxy: resets the backoff. */
  reportSuccess(name: string): void {
    const s = this.byName.get(name);
    if (s && s.healthy) s.backoffMs = this.settings.backoffInitialMs;
  }

  private lastEmitted = '';

  private set(s: EndpointHealthState, healthy: boolean): void {
    s.healthy = healthy;
    this.emitIfChanged();
  }

  private emitIfChanged(): void {
    const healthy = this.healthyNames();
    const key = healthy.join(',');
    if (key === this.lastEmitted) return;
    this.lastEmitted = key;
    this.onChange(healthy);
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = this.clock.setTimeout(() => {
      this.probing = this.probeAll().finally(() => {
        this.probing = null;
        this.schedule();
      });
    }, this.settings.intervalMs);
  }

  private async probeAll(): Promise<void> {
    await Promise.all(this.states.map((s) => this.probe(s)));
    this.emitIfChanged();
  }

  private async probe(s: EndpointHealthState): Promise<void> {
    let ok = false;
    try {
      const res = await request(`${s.url}${this.settings.path}`, {
        method: 'GET',
        headersTimeout: this.settings.timeoutMs,
        bodyTimeout: this.settings.timeoutMs,
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
      await res.body.dump();
      ok = res.statusCode >= 200 && res.statusCode < 300;
      if (!ok) s.lastError = `health check answered ${res.statusCode}`;
    } catch (error) {
      s.lastError = (error as Error).message;
    }
    if (ok) {
      s.consecutiveFailures = 0;
      if (this.clock.now() >= s.downUntilMs) {
        s.healthy = true;
        s.lastError = null;
      }
    } else {
      s.consecutiveFailures++;
      if (s.consecutiveFailures >= this.settings.failureThreshold) s.healthy = false;
    }
  }
}
