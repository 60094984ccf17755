--[[
  reapPool-12: housekeeping: dead replicas, expired leases, TTL'd items, idle flows and bands; then a dispatch cycle.

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
  ARGV[4]   json    {max? (per category, default 1000)}

  Returns:
    msgpack  {deadReplicas, reapedLeases, evictedItems, removedFlows, removedBands, notices, dispatchedCount, storeNowMs}
]]
--@include flowEngine
local rcall = redis.call
local ctx = FC.open(KEYS, ARGV[1], ARGV[2], ARGV[3])
local a = cjson.decode(ARGV[4])
local max = a.max or 1000
local now = ctx.now
local K = ctx.K

-- 1. dead replicas: drop them, their inboxes and their queued items (no notice: nobody listens)
local dead = rcall('ZRANGEBYSCORE', K.replicas, '-inf', now, 'LIMIT', 0, max)
table.sort(dead)
local deadSet, deadIdx = {}, {}
for _, id in ipairs(dead) do
  deadSet[id] = true
  local idx = rcall('HGET', K.state, 'o:' .. id)
  if idx then
    deadIdx[idx] = true
    rcall('HDEL', K.state, 'o:' .. id, 'oi:' .. idx)
    ctx.ownerNameCache = ctx.ownerNameCache or {}
    ctx.ownerNameCache[idx] = id
  end
  rcall('ZREM', K.replicas, id)
  rcall('DEL', K.ip .. id)
end
local evicted = 0
if #dead > 0 then
  local doomed = {}
  local cursor = '0'
  repeat
    local page = rcall('HSCAN', K.items, cursor, 'COUNT', 1000)
    cursor = page[1]
    for i = 1, #page[2], 2 do
      local ownerIdx = string.match(page[2][i + 1], '^([^|]*)|')
      if deadIdx[ownerIdx] then doomed[#doomed + 1] = page[2][i] end
    end
  until cursor == '0'
  for _, requestId in ipairs(doomed) do
    local r = FC.item(ctx, requestId)
    if r ~= nil then
      FC.removeItem(ctx, r)
      evicted = evicted + 1
    end
  end
end

-- 2. leases of dead owners or past expiry, oldest dispatch first, at most max
local victims = {}
local seen = {}
for _, id in ipairs(rcall('ZRANGEBYSCORE', K.leases, '-inf', now)) do
  seen[id] = true
  victims[#victims + 1] = FC.lease(ctx, id)
end
if #dead > 0 then
  local all = rcall('HGETALL', K.linfo)
  for i = 1, #all, 2 do
    local owner = string.match(all[i + 1], '^([^|]*)|')
    if deadSet[owner] and not seen[all[i]] then victims[#victims + 1] = FC.lease(ctx, all[i]) end
  end
end
table.sort(victims, function(x, y)
  if x.at ~= y.at then return x.at < y.at end
  return x.leaseId < y.leaseId
end)
local reapedLeases = 0
for _, l in ipairs(victims) do
  if reapedLeases >= max then break end
  FC.freeLease(ctx, l, nil)
  reapedLeases = reapedLeases + 1
end

-- 3. queued items past their TTL budget, in admission (seq) order, at most max. The TTL index holds
-- per flow a lower bound of its earliest deadline; due flows are scanned (at most SCAN_PER_FLOW items
-- in queue order, which is deadline order for fcfs/edf with a uniform TTL) and re-scored.
local SCAN_PER_FLOW = 1000
local expired = {}
for _, key in ipairs(rcall('ZRANGEBYSCORE', K.exp, '-inf', now, 'LIMIT', 0, max)) do
  local p, fid = string.match(key, '^(-?%d+):(.*)$')
  local f = FC.flow(ctx, tonumber(p), fid)
  local members = {}
  if f ~= nil then members = rcall('ZRANGE', FC.queueKey(ctx, f), 0, SCAN_PER_FLOW - 1) end
  local nextBound = math.huge
  for _, member in ipairs(members) do
    local r = FC.item(ctx, string.sub(member, 13))
    local remaining = FC.remainingBudget(ctx, r)
    if remaining ~= nil and remaining <= 0 then
      expired[#expired + 1] = r
    else
      -- not due: the earliest it can expire is now + remaining (this regime) or now + the other
      -- regime's budget (a regime change resets the start to its own time, which is >= now)
      local other = r.ttl
      if ctx.meta.hasEp then other = ctx.cfg.noEndpointRequestTtlMs end
      if remaining ~= nil then nextBound = math.min(nextBound, now + remaining) end
      if other > 0 then nextBound = math.min(nextBound, now + other) end
    end
  end
  if f ~= nil and f.len > #members then
    -- unscanned tail: revisit within one budget at the latest
    local a, b = ctx.cfg.defaultRequestTtlMs, ctx.cfg.noEndpointRequestTtlMs
    if a > 0 then nextBound = math.min(nextBound, now + a) end
    if b > 0 then nextBound = math.min(nextBound, now + b) end
    if nextBound == math.huge then nextBound = now + 1000 end
  end
  if nextBound == math.huge then rcall('ZREM', K.exp, key) else rcall('ZADD', K.exp, nextBound, key) end
end
table.sort(expired, function(x, y) return x.seq < y.seq end)
local ttlEvicted = 0
for _, r in ipairs(expired) do
  if ttlEvicted >= max then break end
  FC.removeItem(ctx, r)
  FC.route(ctx, r.owner, { type = 'evicted', requestId = r.requestId, outcome = FC.ttlOutcome(ctx), queueWaitMs = now - r.enq })
  ttlEvicted = ttlEvicted + 1
end
for i = ttlEvicted + 1, #expired do
  -- expired but over this call's max: keep its flow due for the next reap
  rcall('ZADD', K.exp, 'LT', now, FC.flowKey(expired[i].p, expired[i].fid))
end

-- 4. idle flows (empty, no leases, idle >= flowIdleTimeoutMs), then idle undesired dynamic bands
local removedFlows = {}
for _, key in ipairs(rcall('ZRANGEBYSCORE', K.flows, '-inf', now - ctx.cfg.flowIdleTimeoutMs)) do
  local p, fid = string.match(key, '^(-?%d+):(.*)$')
  p = tonumber(p)
  local f = FC.flow(ctx, p, fid)
  local b = FC.band(ctx, p)
  if f ~= nil and b ~= nil and f.len == 0 and f.leases == 0 and now - f.la >= ctx.cfg.flowIdleTimeoutMs then
    FC.deleteFlow(ctx, b, f)
    removedFlows[#removedFlows + 1] = { fairnessId = fid, priority = p }
  end
end
table.sort(removedFlows, function(x, y)
  if x.priority ~= y.priority then return x.priority > y.priority end
  return x.fairnessId < y.fairnessId
end)
local desired = {}
local rawDesired = rcall('HGET', K.state, 'desired')
if rawDesired then
  for _, p in ipairs(cjson.decode(rawDesired)) do desired[p] = true end
end
local removedBands = {}
for _, p in ipairs(FC.priorities(ctx)) do
  local b = FC.band(ctx, p)
  if b.st == 0 and not desired[p] and b.nf == 0 and now - b.la >= ctx.cfg.bandIdleTimeoutMs then
    removedBands[#removedBands + 1] = p
  end
end
for _, p in ipairs(removedBands) do FC.deleteBand(ctx, FC.band(ctx, p)) end

FC.cycle(ctx, ctx.cfg.dispatchBatchMax)
return FC.reply(ctx, { deadReplicas = dead, reapedLeases = reapedLeases, evictedItems = evicted + ttlEvicted,
                       removedFlows = removedFlows, removedBands = removedBands })
