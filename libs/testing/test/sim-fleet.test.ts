import { afterAll, describe, expect, it } from 'vitest';
import { startSimFleet, type SimFleet } from '../src/index.ts';

function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('startSimFleet', () => {
  let fleet: SimFleet | undefined;
  afterAll(async () => {
    await fleet?.stop();
  });

  it('starts N ready pods on distinct ports, kills one, and stops the rest', async () => {
    fleet = await startSimFleet({ count: 2, profile: 'tiny', timeScale: 0.1 });
    const ports = new Set(fleet.pods.map((pod) => pod.port));
    expect(ports.size).toBe(2);
    for (const pod of fleet.pods) {
      const response = await fetch(`${pod.url}/health`);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-inference-pod')).toBe(pod.name);
      await response.arrayBuffer();
    }

    await fleet.kill(0);
    expect(isAlive(fleet.pods[0]!.process.pid)).toBe(false);
    const survivor = await fetch(`${fleet.pods[1]!.url}/health`);
    expect(survivor.status).toBe(200);
    await survivor.arrayBuffer();

    const pids = fleet.pods.map((pod) => pod.process.pid);
    await fleet.stop();
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });

  it('rejects with the pod output when a pod cannot start', async () => {
    await expect(startSimFleet({ count: 1, profile: 'no-such-profile', readyTimeoutMs: 15_000 })).rejects.toThrow(/sim-0 exited/);
  });
});
