import { describe, expect, it } from 'vitest';
import { nginxConfig } from '../../src/targets/nginx.ts';
import { parseSluiceVariant } from '../../src/targets/sluice-router.ts';
import { targetDefinition } from '../../src/targets/targets.ts';


describe('compare targets', () => {
  it('`sluice` variants: replicas and prefix index from the name; Redis only when shared', () => {
    expect(parseSluiceVariant('sluice')).toEqual({ replicas: 1, redis: false, prefixIndex: 'local', weights: 'default' });
    expect(parseSluiceVariant('sluice', 3)).toEqual({ replicas: 3, redis: true, prefixIndex: 'global', weights: 'default' });
    expect(parseSluiceVariant('sluice-3')).toEqual({ replicas: 3, redis: true, prefixIndex: 'global', weights: 'default' });
    expect(parseSluiceVariant('sluice:3-local')).toEqual({ replicas: 3, redis: true, prefixIndex: 'local', weights: 'default' });
    expect(parseSluiceVariant('sluice-1-redis-prefix-only')).toEqual({ replicas: 1, redis: true, prefixIndex: 'global', weights: 'prefix-only' });
    expect(parseSluiceVariant('sluicey')).toBeNull();
    expect(targetDefinition('sluice-3').needsRedis).toBe(true);
    expect(targetDefinition('sluice-1').needsRedis).toBe(false);
    expect(() => targetDefinition('sluice-99')).toThrow(/replicas must be 1\.\.16/u);
  });

  it('unknown targets are named with the known ones', () => {
    expect(() => targetDefinition('random')).toThrow(/unknown target "random" \(known: direct, round-robin, least-request, sluice\)/u);
  });

  it('nginx config streams SSE unbuffered and balances with least_conn only when asked', () => {
    const rr = nginxConfig('/tmp/p', 8080, ['http://127.0.0.1:1', 'http://127.0.0.1:2'], false);
    expect(rr).toContain('proxy_buffering off;');
    expect(rr).toContain('server 127.0.0.1:2 max_fails=0;');
    expect(rr).toContain('daemon off;');
    expect(rr).not.toContain('least_conn');
    expect(nginxConfig('/tmp/p', 8080, ['http://127.0.0.1:1'], true)).toContain('least_conn;');
  });
});
