/** A network endpoint. `host` is a name, IPv4 address, or IPv6 address without brackets. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const IPV6 = /^[0-9A-Fa-f:.]+$/;

/** Parses `host:port` or `[v6addr]:port`; null when malformed or the port is not in 1..65535. */
export function parseHostPort(text: string): HostPort | null {
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(text);
  const plain = /^([^:[\]]+):(\d+)$/.exec(text);
  const match = bracketed ?? plain;
  if (match === null) return null;
  const [, host = '', portText = ''] = match;
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return null;
  if (bracketed !== null ? !IPV6.test(host) || !host.includes(':') : !HOST_NAME.test(host)) return null;
  return { host, port };
}

/** `host:port`, bracketing IPv6 addresses. */
export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
