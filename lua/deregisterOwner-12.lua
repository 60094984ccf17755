--[[
  deregisterOwner-12: graceful shutdown of one replica: remove its heartbeat entry and inbox at once; queued
  items it still has are removed and leases it still holds are freed (as for a dead replica); then dispatch.

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
  ARGV[3]   string  the replica leaving (owner); its notices would come back in the reply
  ARGV[4]   json    {} (no arguments)

  Returns:
    msgpack  {removedItems, releasedLeases, notices, dispatchedCount, storeNowMs}
]]
--@include flowEngine
local rcall = redis.call
local ctx = FC.open(KEYS, ARGV[1], ARGV[2], ARGV[3])
cjson.decode(ARGV[4])
local K = ctx.K
local owner = ctx.owner
rcall('ZREM', K.replicas, owner)
rcall('DEL', K.ip .. owner)

-- queued items of the owner (found by its interned index), then its interning entries
local removedItems = 0
local idx = rcall('HGET', K.state, 'o:' .. owner)
if idx then
  local doomed = {}
  local cursor = '0'
  repeat
    local page = rcall('HSCAN', K.items, cursor, 'COUNT', 1000)
    cursor = page[1]
    for i = 1, #page[2], 2 do
      if string.match(page[2][i + 1], '^([^|]*)|') == idx then doomed[#doomed + 1] = page[2][i] end
    end
  until cursor == '0'
  for _, requestId in ipairs(doomed) do
    local r = FC.item(ctx, requestId)
    if r ~= nil then
      FC.removeItem(ctx, r)
      removedItems = removedItems + 1
    end
  end
  rcall('HDEL', K.state, 'o:' .. owner, 'oi:' .. idx)
end

-- leases the owner still holds, oldest dispatch first (ties by id)
local victims = {}
local all = rcall('HGETALL', K.linfo)
for i = 1, #all, 2 do
  if string.match(all[i + 1], '^([^|]*)|') == owner then victims[#victims + 1] = FC.lease(ctx, all[i]) end
end
table.sort(victims, function(x, y)
  if x.at ~= y.at then return x.at < y.at end
  return x.leaseId < y.leaseId
end)
for _, l in ipairs(victims) do FC.freeLease(ctx, l, nil) end

FC.cycle(ctx, ctx.cfg.dispatchBatchMax)
return FC.reply(ctx, { removedItems = removedItems, releasedLeases = #victims })
