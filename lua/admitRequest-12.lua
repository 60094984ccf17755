--[[
  admitRequest-12: admit one request (heartbeat, band fallback, capacity check, enqueue, dispatch cycle).

  All keys share the pool's {hash tag}; the prefix keys name families of keys in that slot.

  KEYS[1]   HASH    pool state: meta (inc, seq, len, bytes, lc, lt, hasEp, regAt, snap, epn, epsum, epsince,
                    desired, init, onext),
                    band records b:<p>, rr:<p> cursors, flow records f:<p>:<fid>, bound load bl:<endpoint>,
                    interned owner ids o:<replicaId> -> idx, oi:<idx> -> replicaId
  KEYS[2]   HASH    queued items: requestId -> ownerIdx|p|bytes|upt|eot|orderKey|seq|enq|ttl|fid
  KEYS[3]   ZSET    TTL index: '<p>:<fid>' -> lower bound of the earliest budget deadline in that flow (ms)
  KEYS[4]   ZSET    leases: leaseId (= requestId) -> lease expiry (ms)
  KEYS[5]   HASH    lease info: leaseId -> owner|p|tokens|dispatchedAt|endpoint|fid
  KEYS[6]   ZSET    lease dispatch times: leaseId -> dispatchedAt (ms), for in-flight credit
  KEYS[7]   ZSET    bands: priority -> priority
  KEYS[8]   ZSET    flows: '<p>:<fid>' -> idle-since (ms), +inf while active
  KEYS[9]   ZSET    replicas: replicaId -> heartbeat expiry (ms)
  KEYS[10]  prefix  per-flow queues <KEYS[10]><p>:<fid> (ZSET member seqhex..requestId, score orderKey)
  KEYS[11]  prefix  per-band candidate flows <KEYS[11]><p> (ZSET scored by the fairness policy)
  KEYS[12]  prefix  replica inboxes <KEYS[12]><replicaId> (LIST of JSON FlowNotice)
  ARGV[1]   msgpack FlowStoreConfig (identical on every replica of the pool)
  ARGV[2]   ms      test-only clock override (ms since epoch); empty string = Redis TIME
  ARGV[3]   string  caller replica id (owner); its notices come back in the reply, never in its inbox
  ARGV[4]   json    {requestId, p (priority), fid (fairness id), bytes, upt, eot (token estimate), ttl? (ms), slo? (ms), ago? (ms since receipt),
                    ep? (endpoint to bind the lease to when dispatched on the fast path)}

  Returns:
    msgpack  {kind: 'dispatched'|'queued'|'rejected', lease|record+incarnation|outcome+retryAfterMs, flow, notices, dispatchedCount, storeNowMs}
]]
--@include flowEngine
local rcall = redis.call
local ctx = FC.open(KEYS, ARGV[1], ARGV[2], ARGV[3])
local a = cjson.decode(ARGV[4])
ctx.selfRequestId = a.requestId
rcall('ZADD', ctx.K.replicas, ctx.now + ctx.cfg.replicaTtlMs, ctx.owner)
local b = FC.band(ctx, a.p) or FC.band(ctx, 0)
local flow = { fairnessId = a.fid, priority = b.p }
local cfg = ctx.cfg
if rcall('HEXISTS', ctx.K.items, a.requestId) == 1 or rcall('ZSCORE', ctx.K.leases, a.requestId) then
  FC.cycle(ctx, cfg.dispatchBatchMax)
  return FC.reply(ctx, { kind = 'rejected', outcome = 'rejected-other', retryAfterMs = 1000, flow = flow })
end
local m = ctx.meta
local full = (cfg.maxBytes > 0 and m.bytes + a.bytes > cfg.maxBytes) or (cfg.maxRequests > 0 and m.len + 1 > cfg.maxRequests)
  or (b.tpl.maxBytes > 0 and b.bytes + a.bytes > b.tpl.maxBytes) or (b.tpl.maxRequests > 0 and b.len + 1 > b.tpl.maxRequests)
if full then
  local outcome = 'rejected-capacity'
  if not m.hasEp then outcome = 'rejected-no-endpoints' end
  local retry = FC.retryAfterMs({ s = b.ws, c = b.wc, p = b.wp }, ctx.now, b.len, cfg.retryAfterMaxSec)
  FC.cycle(ctx, cfg.dispatchBatchMax)
  return FC.reply(ctx, { kind = 'rejected', outcome = outcome, retryAfterMs = retry, flow = flow })
end
local ttl = math.max(0, a.ttl or b.tpl.requestTtlMs)
local receivedAt = ctx.now - math.max(0, a.ago or 0)
m.seq = m.seq + 1
local r = { requestId = a.requestId, owner = ctx.owner, p = b.p, fid = a.fid, bytes = a.bytes, upt = a.upt, eot = a.eot,
            orderKey = FC.orderKey(b.tpl.ordering.type, ctx.now, ttl, receivedAt, a.slo), seq = m.seq, enq = ctx.now, ttl = ttl }
if not FC.admitDirect(ctx, b, r) then FC.enqueue(ctx, r) end
FC.cycle(ctx, cfg.dispatchBatchMax)
if ctx.selfLease ~= nil then
  if a.ep ~= nil and a.ep ~= cjson.null then
    -- fast path with a pre-picked endpoint: bind now (as bindLease right after this call would)
    local l = FC.lease(ctx, a.requestId)
    FC.bindLease(ctx, l, a.ep)
    ctx.selfLease = FC.leaseRecord(l)
  end
  return FC.reply(ctx, { kind = 'dispatched', lease = ctx.selfLease, queueWaitMs = 0, flow = flow })
end
return FC.reply(ctx, { kind = 'queued', record = FC.queuedRecord(r), incarnation = m.inc, flow = flow })
