import type { Socket } from 'node:net';
import { isCluster } from './redis-factory.ts';
import type { RedisClient } from './redis-factory.ts';

/**
 * Runs `send` with the client's socket corked, so that every command `send` issues synchronously
 * leaves in one socket write: one syscall here and one read on the server, instead of one each.
 * Socket writes are among the largest entries of the router's CPU profile, and the request path
 * sends two scripts at once (the admit and the prefix lookup).
 *
 * Contract: only commands written synchronously inside `send` are batched (ioredis writes a
 * command during the call when the connection is ready; otherwise it queues it and nothing
 * changes). The socket is always uncorked before this returns, also when `send` throws. A Cluster
 * client has one socket per node: `send` then runs as it is.
 *
 * Unlike ioredis auto-pipelining, this builds no Pipeline object per batch (those are promoted by
 * the young-generation GC; see docs/architecture.md, "Hot-path rules").
 */
export function writeTogether<T>(client: RedisClient, send: () => T): T {
  const socket = isCluster(client) ? undefined : (client as unknown as { stream?: Socket }).stream;
  if (socket === undefined || typeof socket.cork !== 'function') return send();
  socket.cork();
  try {
    return send();
  } finally {
    socket.uncork();
  }
}
