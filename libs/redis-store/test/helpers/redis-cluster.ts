import { Redis } from 'ioredis';
import { freeClusterPort } from './free-port.ts';
import { RedisProcess } from './redis-process.ts';

/** Number of hash slots in Redis Cluster. */
const SLOTS = 16384;

/**
 * A 3-master Redis Cluster (no replicas) made of local redis-server processes on free ports.
 * Slots are split evenly by CLUSTER ADDSLOTSRANGE and the nodes joined by CLUSTER MEET, then we
 * wait for `cluster_state:ok` on every node. Call `stop()` in afterAll.
 */
export class RedisClusterProcesses {
  readonly nodes: RedisProcess[];

  private constructor(nodes: RedisProcess[]) {
    this.nodes = nodes;
  }

  get seeds(): { host: string; port: number }[] {
    return this.nodes.map((n) => ({ host: '127.0.0.1', port: n.port }));
  }

  static async start(masters = 3, deadlineMs = 15_000): Promise<RedisClusterProcesses> {
    const taken = new Set<number>();
    const nodes: RedisProcess[] = [];
    const cluster = new RedisClusterProcesses(nodes);
    try {
      for (let i = 0; i < masters; i++) {
        const port = await freeClusterPort(taken);
        taken.add(port).add(port + 10000);
        nodes.push(await RedisProcess.start(['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000'], port));
      }
      await cluster.#formCluster(deadlineMs);
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  async #formCluster(deadlineMs: number): Promise<void> {
    const clients = this.nodes.map((n) => new Redis({ port: n.port, host: '127.0.0.1', maxRetriesPerRequest: 1 }));
    try {
      const per = Math.ceil(SLOTS / clients.length);
      await Promise.all(
        clients.map((client, i) => client.call('CLUSTER', 'ADDSLOTSRANGE', String(i * per), String(Math.min(SLOTS, (i + 1) * per) - 1))),
      );
      const first = this.nodes[0] as RedisProcess;
      await Promise.all(clients.slice(1).map((client) => client.call('CLUSTER', 'MEET', '127.0.0.1', String(first.port))));
      const until = Date.now() + deadlineMs;
      for (;;) {
        const infos = await Promise.all(clients.map((c) => c.call('CLUSTER', 'INFO') as Promise<string>));
        if (infos.every((info) => info.includes('cluster_state:ok') && info.includes(`cluster_known_nodes:${clients.length}`))) return;
        if (Date.now() > until) throw new Error(`cluster did not reach cluster_state:ok within ${deadlineMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      for (const c of clients) c.disconnect();
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.destroy()));
  }
}
