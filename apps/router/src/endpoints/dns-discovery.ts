import { lookup } from 'node:dns/promises';
import { formatHostPort } from '@sluice/config';
import type { Clock, TimerHandle } from '@sluice/flow-control';

/** An endpoint as the router addresses it: `name` is `host:port` (`[v6]:port`), `url` its base URL. */
export interface DiscoveredEndpoint {
  readonly name: string;
  readonly url: string;
}

/** Resolve `name` to every address (A and AAAA, as the OS resolver returns them), sorted, with `port`. */
export async function resolveEndpoints(name: string, port: number): Promise<DiscoveredEndpoint[]> {
  const addresses = await lookup(name, { all: true });
  const names = [...new Set(addresses.map((a) => formatHostPort({ host: a.address, port })))].sort();
  return names.map((n) => ({ name: n, url: `http://${n}` }));
}

/**
 * `pool.dns` discovery (e.g. a Kubernetes headless Service): re-resolves every `refreshMs` and hands
 * the list to `onChange` when it differs. A failed lookup keeps the previous list (logged by the caller).
 */
export class DnsDiscovery {
  private timer: TimerHandle | null = null;
  private running = false;
  private last = '';

  constructor(
    private readonly options: {
      readonly name: string;
      readonly port: number;
      readonly refreshMs: number;
      readonly clock: Clock;
      readonly onChange: (endpoints: DiscoveredEndpoint[]) => Promise<void>;
      readonly onError: (error: unknown) => void;
    },
  ) {}

  /** Resolve once (awaited; throws if the first lookup fails), then keep refreshing. */
  async start(): Promise<DiscoveredEndpoint[]> {
    const first = await resolveEndpoints(this.options.name, this.options.port);
    this.last = first.map((e) => e.name).join(',');
    this.running = true;
    this.schedule();
    return first;
  }

  stop(): void {
    this.running = false;
    if (this.timer !== null) this.options.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = this.options.clock.setTimeout(() => void this.refresh().finally(() => this.schedule()), this.options.refreshMs);
  }

  private async refresh(): Promise<void> {
    try {
      const endpoints = await resolveEndpoints(this.options.name, this.options.port);
      const key = endpoints.map((e) => e.name).join(',');
      if (key === this.last || !this.running) return;
      this.last = key;
      await this.options.onChange(endpoints);
    } catch (error) {
      this.options.onError(error);
    }
  }
}
