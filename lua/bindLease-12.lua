--[[
  bindLease-12: record the endpoint a lease was scheduled to (feeds per-endpoint in-flight counts). No dispatch.

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
  ARGV[1]   json    {leaseId, endpoint}

  Binding touches only the lease record (KEYS[5]) and the bound-load fields bl:<endpoint> of KEYS[1],
  so, unlike the other flow scripts, it takes no config, clock or owner and skips the engine's
  per-call setup (config decode, pool meta read and write-back): it runs once per routed request,
  right after the pick. All 12 pool keys are still passed, as for every flow script.

  Returns:
    1  bound
    0  unknown lease
]]
--@include flowState
--@include flowDetectors
--@include flowLeases
local a = cjson.decode(ARGV[1])
local ctx = { K = { state = KEYS[1], linfo = KEYS[5] } }
local l = FC.lease(ctx, a.leaseId)
if l == nil then return 0 end
FC.bindLease(ctx, l, a.endpoint)
return 1
