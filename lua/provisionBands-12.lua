--[[
  provisionBands-12: set the desired priorities (from InferenceObjectives); creates missing bands. No dispatch.

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
  ARGV[4]   json    {priorities: number[]}

  Returns:
    1  done
]]
--@include flowEngine
local rcall = redis.call
local ctx = FC.open(KEYS, ARGV[1], ARGV[2], ARGV[3])
local a = cjson.decode(ARGV[4])
rcall('HSET', ctx.K.state, 'desired', FC.json(a.priorities))
for _, p in ipairs(a.priorities) do FC.ensureBand(ctx, p) end
FC.finish(ctx)
return 1
