import { describe, expect, it } from 'vitest';
import { HOW_TO_GET_REDIS, ping, startRedis } from '../src/index.ts';

describe('startRedis', () => {
  it('uses REDIS_URL as given and does not stop it', async () => {
    const handle = await startRedis({ env: { REDIS_URL: 'redis://example.invalid:6390/2' } });
    expect(handle).toMatchObject({ source: 'env', host: 'example.invalid', port: 6390, url: 'redis://example.invalid:6390/2' });
    await handle.stop();
  });

  it('starts a private redis-server on a free port and stops it', async () => {
    const handle = await startRedis({ env: {} });
    expect(handle.source).toBe('redis-server');
    expect(handle.port).not.toBe(6379);
    expect(await ping(handle.host, handle.port)).toBe(true);
    await handle.stop();
    expect(await ping(handle.host, handle.port)).toBe(false);
  });

  it('fails with instructions when no source is available', async () => {
    await expect(
      startRedis({ env: {}, redisServerBinary: 'redis-server-not-installed', allowTestcontainers: false }),
    ).rejects.toThrow(HOW_TO_GET_REDIS);
    expect(HOW_TO_GET_REDIS).toMatch(/REDIS_URL/);
    expect(HOW_TO_GET_REDIS).toMatch(/apt-get install -y redis-server/);
  });
});
