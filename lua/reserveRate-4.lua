--[[
  reserveRate-4: admit a request against one tenant's sliding-window request and token limits (or refuse it).

  KEYS[1]  ZSET    tenant window log: reservationId -> admission time (ms since epoch)
  KEYS[2]  HASH    tenant window tokens: 'r:'..reservationId -> tokens counted; 'sum' -> their total
  KEYS[3]  ZSET    outstanding reservations of the pool: tenant..'\n'..reservationId -> expiry (ms)
  KEYS[4]  HASH    outstanding reservation tokens: tenant..'\n'..reservationId -> reserved tokens
  ARGV[1]  string  reservation id (unique among outstanding reservations)
  ARGV[2]  string  tenant (fairness id)
  ARGV[3]  float   requests allowed per window; empty string = no request limit
  ARGV[4]  float   tokens allowed per window; empty string = no token limit
  ARGV[5]  int     tokens to reserve (prompt estimate + max_tokens), >= 0
  ARGV[6]  ms      window length
  ARGV[7]  ms      outstanding-reservation time to live (a replica died mid-request)
  ARGV[8]  ms      test-only clock override (ms since epoch); empty string = Redis TIME

  An entry counts while admittedAt > now - window. Entries that left the window are trimmed
  first (their tokens leave 'sum'). The tenant keys expire one window after the last admission.

  Returns:
    1  {1, remainingRequests, remainingTokens} admitted and recorded; -1 = that limit is not set
    0  {0, kind, retryAfterMs, tooLarge} refused: kind 'requests' or 'tokens' (the one that frees
       last), ms until enough capacity frees (>= 1; the window when tooLarge), tooLarge 1 when the
       request alone exceeds the limit
]]
--@include clock
local now = sluiceNow(ARGV[8])
local window = tonumber(ARGV[6])
local tokens = tonumber(ARGV[5])
local requestLimit = tonumber(ARGV[3])
local tokenLimit = tonumber(ARGV[4])
local cutoff = sluiceMsString(now - window)

-- forget outstanding reservations whose owner died
local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', sluiceMsString(now), 'LIMIT', 0, 100)
if #expired > 0 then
  redis.call('ZREM', KEYS[3], unpack(expired))
  redis.call('HDEL', KEYS[4], unpack(expired))
end

-- trim the window (in chunks: unpack has a stack limit)
local gone = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', cutoff)
if #gone > 0 then
  local freed = 0
  for i = 1, #gone, 500 do
    local fields = {}
    for j = i, math.min(i + 499, #gone) do fields[#fields + 1] = 'r:' .. gone[j] end
    for _, amount in ipairs(redis.call('HMGET', KEYS[2], unpack(fields))) do freed = freed + (tonumber(amount) or 0) end
    redis.call('HDEL', KEYS[2], unpack(fields))
  end
  -- (a negative zero would reach Redis as '-0', which HINCRBY rejects)
  if freed ~= 0 then redis.call('HINCRBY', KEYS[2], 'sum', -freed) end
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', cutoff)
end

local live = redis.call('ZCARD', KEYS[1])
local sum = tonumber(redis.call('HGET', KEYS[2], 'sum') or '0')

local function expiresIn(id)
  local at = tonumber(redis.call('ZSCORE', KEYS[1], id))
  return math.max(1, math.ceil(at + window - now))
end

local blockedKind = nil
local blockedRetry = 0
local blockedLarge = 0
if requestLimit ~= nil and live + 1 > requestLimit then
  local allowed = math.floor(requestLimit)
  blockedKind = 'requests'
  if allowed < 1 then
    blockedRetry = window
    blockedLarge = 1
  else
    local oldest = redis.call('ZRANGE', KEYS[1], live - allowed, live - allowed)
    blockedRetry = expiresIn(oldest[1])
  end
end
if tokenLimit ~= nil and sum + tokens > tokenLimit then
  local retry = window
  local large = 1
  if tokens <= tokenLimit then
    large = 0
    -- oldest first, in batches, until enough tokens would have left the window
    local remaining = sum
    local last = nil
    local offset = 0
    while remaining + tokens > tokenLimit do
      local ids = redis.call('ZRANGE', KEYS[1], offset, offset + 99)
      if #ids == 0 then break end
      offset = offset + #ids
      for _, id in ipairs(ids) do
        if remaining + tokens <= tokenLimit then break end
        remaining = remaining - (tonumber(redis.call('HGET', KEYS[2], 'r:' .. id)) or 0)
        last = id
      end
    end
    if last then retry = expiresIn(last) else retry = 1 end
  end
  if blockedKind == nil or large == 1 or (blockedLarge == 0 and retry > blockedRetry) then
    blockedKind = 'tokens'
    blockedRetry = retry
    blockedLarge = large
  end
end
if blockedKind ~= nil then
  return {0, blockedKind, blockedRetry, blockedLarge}
end

local member = ARGV[2] .. '\n' .. ARGV[1]
redis.call('ZADD', KEYS[1], sluiceMsString(now), ARGV[1])
redis.call('HSET', KEYS[2], 'r:' .. ARGV[1], tokens)
sum = redis.call('HINCRBY', KEYS[2], 'sum', tokens)
redis.call('PEXPIRE', KEYS[1], math.ceil(window) + 1000)
redis.call('PEXPIRE', KEYS[2], math.ceil(window) + 1000)
redis.call('ZADD', KEYS[3], sluiceMsString(now + tonumber(ARGV[7])), member)
redis.call('HSET', KEYS[4], member, tokens)

local remainingRequests = -1
if requestLimit ~= nil then remainingRequests = math.max(0, math.floor(requestLimit) - live - 1) end
local remainingTokens = -1
if tokenLimit ~= nil then remainingTokens = math.max(0, math.floor(tokenLimit - sum)) end
return {1, remainingRequests, remainingTokens}
