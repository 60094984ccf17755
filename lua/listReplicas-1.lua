--[[
  listReplicas-1: replicas whose heartbeat has not expired, and the ones that have (Redis clock).

  KEYS[1]  ZSET  replica registry: replicaId -> heartbeat expiry (ms since epoch)
  ARGV[1]  ms    test-only clock override (ms since epoch); empty string = Redis TIME

  Returns:
    {live, dead, now}  live and dead replica ids (arrays, ascending expiry) and now as a string
]]
--@include clock
local now = sluiceNow(ARGV[1])
local live = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf')
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
return { live, dead, sluiceMsString(now) }
