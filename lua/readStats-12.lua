--[[
  readStats-12: read-only snapshot of occupancy, saturation, endpoints and replicas for metrics and /admin/state.

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

  Returns:
    msgpack  FlowStoreStats
]]
--@include flowEngine
local rcall = redis.call
local ctx = FC.open(KEYS, ARGV[1], ARGV[2], ARGV[3])
local m = ctx.meta
local cfg = ctx.cfg
local prios = FC.priorities(ctx)
local ceilings = FC.ceilings(cfg.usageLimit, prios)
local bands = {}
for i, p in ipairs(prios) do
  local b = FC.band(ctx, p)
  bands[i] = { priority = p, len = b.len, bytes = b.bytes, capacityRequests = b.tpl.maxRequests,
               capacityBytes = b.tpl.maxBytes, ceiling = ceilings[i], static = b.st == 1 }
end
local flows = {}
for _, key in ipairs(rcall('ZRANGE', ctx.K.flows, 0, -1)) do
  local p, fid = string.match(key, '^(-?%d+):(.*)$')
  local f = FC.flow(ctx, tonumber(p), fid)
  if f ~= nil then
    flows[#flows + 1] = { flow = { fairnessId = fid, priority = f.p }, len = f.len, bytes = f.bytes, leases = f.leases }
  end
end
table.sort(flows, function(x, y)
  if x.flow.priority ~= y.flow.priority then return x.flow.priority > y.flow.priority end
  return x.flow.fairnessId < y.flow.fairnessId
end)
local endpoints = {}
for i, e in ipairs(FC.snapshot(ctx)) do
  local b = FC.bound(ctx, e.n)
  endpoints[i] = { name = e.n, inFlight = b and b.r or 0, inFlightTokens = b and b.t or 0 }
end
local replicas = {}
local raw = rcall('ZRANGE', ctx.K.replicas, 0, -1, 'WITHSCORES')
for i = 1, #raw, 2 do replicas[#replicas + 1] = { id = raw[i], expiresInMs = tonumber(raw[i + 1]) - ctx.now } end
local result = cmsgpack.pack({ len = m.len, bytes = m.bytes, capacityRequests = cfg.maxRequests, capacityBytes = cfg.maxBytes,
  bands = bands, flows = flows, leases = { count = m.lc, tokens = m.lt }, saturation = FC.saturation(ctx),
  endpoints = endpoints, replicas = replicas, incarnation = m.inc })
FC.finish(ctx)
return result
