import { describe, expect, it } from 'vitest';
import { formatHostPort, parseHostPort } from '../src/index.ts';

describe('parseHostPort', () => {
  it('parses names, IPv4 and bracketed IPv6', () => {
    expect(parseHostPort('127.0.0.1:8001')).toEqual({ host: '127.0.0.1', port: 8001 });
    expect(parseHostPort('vllm-0.vllm.default.svc:8000')).toEqual({ host: 'vllm-0.vllm.default.svc', port: 8000 });
    expect(parseHostPort('[::1]:9000')).toEqual({ host: '::1', port: 9000 });
  });

  it.each(['127.0.0.1', ':80', 'host:0', 'host:65536', 'host:http', 'a b:80', '::1:80', 'http://x:80'])('rejects %j', (text) => {
    expect(parseHostPort(text)).toBeNull();
  });

  it('formats back, bracketing IPv6', () => {
    expect(formatHostPort({ host: '::1', port: 9000 })).toBe('[::1]:9000');
    expect(formatHostPort({ host: 'a', port: 1 })).toBe('a:1');
  });
});
