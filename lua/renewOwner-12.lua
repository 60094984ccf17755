--[[
  renewOwner-12: owner heartbeat and lease renewal; re-creates leases and queued items after state loss,
  reports leases and items that vanished without state loss (lostLeases, lostItems). A listed lease whose
  request is queued (stale re-creation) becomes a lease again; a listed item whose lease exists is skipped.

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
  ARGV[4]   json    {incarnation, leases: LeaseRecord[], queued: QueuedRecord[]}

  Returns:
    msgpack  {incarnation, renewedLeases, recreatedLeases, recreatedItems, lostLeases, lostItems, heartbeatWasMissing,
              notices, dispatchedCount, storeNowMs}
]]
--@include flowEngine
local rcall = redis.call
local ctx = FC.open(KEYS, ARGV[1], ARGV[2], ARGV[3])
local a = cjson.decode(ARGV[4])
local m = ctx.meta
-- ZADD answers 1 when the member is new: the owner had no heartbeat entry (first call, or reaped as dead)
local heartbeatWasMissing = rcall('ZADD', ctx.K.replicas, ctx.now + ctx.cfg.replicaTtlMs, ctx.owner) == 1
local renewed, recreatedLeases, recreatedItems, lost = {}, {}, {}, {}
local recreate = a.incarnation ~= m.inc

-- Membership of many ids in one ZMSCORE/HMGET per 1000 ids: id -> true when present.
local function present(command, key, ids)
  local found = {}
  for i = 1, #ids, 1000 do
    local last = math.min(i + 999, #ids)
    local reply = rcall(command, key, unpack(ids, i, last))
    for j = i, last do
      if reply[j - i + 1] then found[ids[j]] = true end
    end
  end
  return found
end

local leaseIds = {}
for i, rec in ipairs(a.leases) do leaseIds[i] = rec.leaseId end
local liveLeases = present('ZMSCORE', ctx.K.leases, leaseIds)
-- true when requestId is queued and belongs to the caller
local function queuedTwin(requestId)
  local r = FC.item(ctx, requestId)
  return r ~= nil and r.owner == ctx.owner
end
local function addListedLease(rec)
  local ep = ''
  if rec.endpoint ~= nil and rec.endpoint ~= cjson.null then ep = rec.endpoint end
  FC.addLease(ctx, { leaseId = rec.leaseId, owner = rec.owner, p = rec.flow.priority, fid = rec.flow.fairnessId,
                     tokens = rec.estimatedTokens, at = rec.dispatchedAtMs, ep = ep })
  liveLeases[rec.leaseId] = true
  recreatedLeases[#recreatedLeases + 1] = rec.leaseId
end
local extend = {}
local expiry = ctx.now + ctx.cfg.leaseTtlMs
for _, rec in ipairs(a.leases) do
  if liveLeases[rec.leaseId] then
    extend[#extend + 1] = expiry
    extend[#extend + 1] = rec.leaseId
    renewed[#renewed + 1] = rec.leaseId
  elseif queuedTwin(rec.leaseId) then
    -- the owner holds this lease but the request is queued (re-created from a stale renew snapshot
    -- after state loss): the lease wins, the queued item goes
    FC.removeItem(ctx, FC.item(ctx, rec.leaseId))
    addListedLease(rec)
  elseif recreate then
    addListedLease(rec)
  else
    lost[#lost + 1] = rec.leaseId
  end
end
for i = 1, #extend, 1000 do
  rcall('ZADD', ctx.K.leases, 'XX', unpack(extend, i, math.min(i + 999, #extend)))
end

local itemIds = {}
for i, rec in ipairs(a.queued) do itemIds[i] = rec.requestId end
local queuedNow = present('HMGET', ctx.K.items, itemIds)
local leasedNow = present('ZMSCORE', ctx.K.leases, itemIds)
local lostItems = {}
for _, rec in ipairs(a.queued) do
  local id = rec.requestId
  if not queuedNow[id] and not leasedNow[id] then
    if not recreate then
      lostItems[#lostItems + 1] = id
    else
      FC.ensureBand(ctx, rec.flow.priority)
      FC.enqueue(ctx, { requestId = id, owner = rec.owner, p = rec.flow.priority, fid = rec.flow.fairnessId,
                        bytes = rec.bytes, upt = rec.tokens.uncachedPromptTokens, eot = rec.tokens.expectedOutputTokens,
                        orderKey = rec.orderKey, seq = rec.seq, enq = rec.enqueuedAtMs, ttl = rec.ttlMs })
      queuedNow[id] = true
      if rec.seq > m.seq then m.seq = rec.seq end
      recreatedItems[#recreatedItems + 1] = id
    end
  end
end
FC.cycle(ctx, ctx.cfg.dispatchBatchMax)
return FC.reply(ctx, { incarnation = m.inc, renewedLeases = renewed, recreatedLeases = recreatedLeases,
                       recreatedItems = recreatedItems, lostLeases = lost, lostItems = lostItems,
                       heartbeatWasMissing = heartbeatWasMissing })
