--[[
  publishEndpoints-12: replace the pool's ready endpoints and metrics (regime change resets TTL budgets), then dispatch.
  Every notice of that dispatch goes to its owner's inbox, the caller's too (reply notices are always empty):
  the publisher (metrics leader, discovery) is often not the FlowController waiting for them.

  All keys share the pool's {hash tag}; the prefix keys name families of keys in that slot.

  KEYS[1]   HASH    pool state: meta (inc, seq, len, bytes, lc, lt, hasEp, regAt, snap, epn, epsum, epsince, desired, init, onext),
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
  ARGV[3]   string  caller replica id (owner); unused for routing: every notice goes to an inbox
  ARGV[4]   json    {endpoints: [{name, waitingQueueSize?, kvCacheUsage?, metricsAgeMs?}]}

  Returns:
    msgpack  {notices, dispatchedCount, storeNowMs}
]]
--@include flowEngine
local rcall = redis.call
local ctx = FC.open(KEYS, ARGV[1], ARGV[2], ARGV[3])
ctx.owner = '' -- no caller: replica ids are never empty, so FC.route sends every notice to an inbox
local a = cjson.decode(ARGV[4])
local m = ctx.meta
local wasEmpty = not m.hasEp
local snap = {}
for i, e in ipairs(a.endpoints) do
  local w, kv = e.waitingQueueSize, e.kvCacheUsage
  if w == cjson.null then w = nil end
  if kv == cjson.null then kv = nil end
  local age = e.metricsAgeMs
  if age == nil or age == cjson.null then age = 0 end
  snap[i] = { n = e.name, w = w, kv = kv, u = ctx.now - math.max(0, age) }
end
ctx.snap = snap
local since = math.huge
for _, e in ipairs(snap) do
  if e.u < since then since = e.u end
end
local sum = 0
if ctx.cfg.detector.type == 'utilization-detector' then sum = FC.freshUtilizationSum(ctx.cfg.detector, snap) end
ctx.ep = { n = #snap, sum = sum, since = since }
local sinceText = 'inf'
if since ~= math.huge then sinceText = FC.num(since) end
rcall('HSET', ctx.K.state, 'snap', FC.json(snap), 'epn', #snap, 'epsum', FC.num(sum), 'epsince', sinceText)
m.hasEp = #snap > 0
if wasEmpty ~= (#snap == 0) then m.regAt = ctx.now end
FC.cycle(ctx, ctx.cfg.dispatchBatchMax)
return FC.reply(ctx, {})
