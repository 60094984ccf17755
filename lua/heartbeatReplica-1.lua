--[[
  heartbeatReplica-1: record that a replica is alive until now + ttl (Redis clock).

  KEYS[1]  ZSET    replica registry: replicaId -> heartbeat expiry (ms since epoch)
  ARGV[1]  string  replica id
  ARGV[2]  ms      time to live of this heartbeat
  ARGV[3]  ms      test-only clock override (ms since epoch); empty string = Redis TIME

  Returns:
    {expiry}  array with the new heartbeat expiry as a decimal string (ms since epoch)
]]
--@include clock
local expiry = sluiceNow(ARGV[3]) + tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], expiry, ARGV[1])
return { sluiceMsString(expiry) }
