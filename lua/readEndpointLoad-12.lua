--[[
  readEndpointLoad-12: the per-endpoint in-flight counts of the last published snapshot (cheap read for
  load-aware scoring; stats() without flows, bands or replicas). Read-only.

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

  Takes no arguments: it reads only the endpoint snapshot and the bound-load fields of KEYS[1]
  (no config decode, clock or pool meta), because every replica calls it about ten times a second.
  All 12 pool keys are still passed, as for every flow script.

  Returns:
    msgpack  [{name, inFlight, inFlightTokens}] in snapshot order
]]
--@include flowState
--@include flowDetectors
local ctx = { K = { state = KEYS[1] } }
local endpoints = {}
for i, e in ipairs(FC.snapshot(ctx)) do
  local b = FC.bound(ctx, e.n)
  endpoints[i] = { name = e.n, inFlight = b and b.r or 0, inFlightTokens = b and b.t or 0 }
end
return cmsgpack.pack(endpoints)
