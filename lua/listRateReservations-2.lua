--[[
  listRateReservations-2: drop expired outstanding reservations and list the rest.

  KEYS[1]  ZSET    outstanding reservations of the pool: tenant..'\n'..reservationId -> expiry (ms)
  KEYS[2]  HASH    outstanding reservation tokens: tenant..'\n'..reservationId -> reserved tokens
  ARGV[1]  ms      test-only clock override (ms since epoch); empty string = Redis TIME

  Returns:
    {member, tokens, ...}  flat array of outstanding reservations and their reserved tokens
]]
--@include clock
local now = sluiceNow(ARGV[1])
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', sluiceMsString(now))
for i = 1, #expired, 1000 do
  local chunk = {}
  for j = i, math.min(i + 999, #expired) do chunk[#chunk + 1] = expired[j] end
  redis.call('ZREM', KEYS[1], unpack(chunk))
  redis.call('HDEL', KEYS[2], unpack(chunk))
end
local out = {}
for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  out[#out + 1] = member
  out[#out + 1] = redis.call('HGET', KEYS[2], member) or '0'
end
return out
