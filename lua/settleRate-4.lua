--[[
  settleRate-4: settle an outstanding reservation with the actual token count (idempotent).

  KEYS[1]  ZSET    tenant window log: reservationId -> admission time (ms since epoch)
  KEYS[2]  HASH    tenant window tokens: 'r:'..reservationId -> tokens counted; 'sum' -> their total
  KEYS[3]  ZSET    outstanding reservations of the pool: tenant..'\n'..reservationId -> expiry (ms)
  KEYS[4]  HASH    outstanding reservation tokens: tenant..'\n'..reservationId -> reserved tokens
  ARGV[1]  string  reservation id
  ARGV[2]  string  tenant (fairness id)
  ARGV[3]  int     actual tokens used (>= 0); empty string = unknown, keep the reserved amount

  When the reservation's window entry is still there its tokens become the actual count (refund
  when lower, overage charged when higher). The request slot is never given back.

  Returns:
    1  {1, refundedTokens} settled (refundedTokens < 0 = overage charged)
    0  {0, 0} no such outstanding reservation (already settled or expired)
]]
local member = ARGV[2] .. '\n' .. ARGV[1]
if redis.call('ZREM', KEYS[3], member) == 0 then
  return {0, 0}
end
redis.call('HDEL', KEYS[4], member)
if ARGV[3] == '' then
  return {1, 0}
end
local field = 'r:' .. ARGV[1]
local counted = redis.call('HGET', KEYS[2], field)
if not counted or not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  return {1, 0}
end
local actual = tonumber(ARGV[3])
local refunded = tonumber(counted) - actual
redis.call('HSET', KEYS[2], field, actual)
if refunded ~= 0 then redis.call('HINCRBY', KEYS[2], 'sum', -refunded) end
return {1, refunded}
