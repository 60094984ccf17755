--[[
  recordPrefix-5: mark a request's blocks as held by one endpoint (most recent first), then trim that endpoint to its LRU capacity.

  All keys share the pool's {hash tag}. KEYS[1] and KEYS[2] always hold the same members.

  KEYS[1]  ZSET    the endpoint's recency index: blockHash -> recency seq (higher = more recent)
  KEYS[2]  SET     the endpoint's membership set: blockHash (what lookupPrefix probes)
  KEYS[3]  STRING  the pool's recency counter (INCRBY by the number of blocks)
  KEYS[4]  HASH    per-endpoint capacity: endpoint -> blocks
  KEYS[5]  SET     endpoints that have blocks (for sweeps and cleanup)
  ARGV[1]  string  endpoint name (field in KEYS[4], member of KEYS[5])
  ARGV[2]  hex     block hashes in prompt order, concatenated, 16 hex characters each (at least one)
  ARGV[3]  blocks  default capacity when KEYS[4] has no entry for the endpoint

  Block i (1-based) of n gets recency top - i + 1, so earlier blocks are newer and trimming drops a
  prompt's tail before its head. ZADD pairs go from block n to block 1, so a hash repeated in one
  call keeps its earliest position (the last pair wins).

  Returns:
    {size, trimmed}  blocks held after the call, blocks removed by the capacity trim
]]
local rcall = redis.call
local hex = ARGV[2]
local n = math.floor(#hex / 16)
if n == 0 then
  return {rcall('ZCARD', KEYS[1]), 0}
end
local top = rcall('INCRBY', KEYS[3], n)
local pairs_ = {}
local members = {}
for i = n, 1, -1 do
  local h = string.sub(hex, (i - 1) * 16 + 1, i * 16)
  pairs_[#pairs_ + 1] = top - i + 1
  pairs_[#pairs_ + 1] = h
  members[#members + 1] = h
  if #members >= 1000 then
    rcall('ZADD', KEYS[1], unpack(pairs_))
    rcall('SADD', KEYS[2], unpack(members))
    pairs_ = {}
    members = {}
  end
end
if #members > 0 then
  rcall('ZADD', KEYS[1], unpack(pairs_))
  rcall('SADD', KEYS[2], unpack(members))
end
rcall('SADD', KEYS[5], ARGV[1])
local capacity = tonumber(rcall('HGET', KEYS[4], ARGV[1]) or ARGV[3])
local size = rcall('ZCARD', KEYS[1])
local trimmed = 0
while size > capacity do
  local batch = math.min(size - capacity, 1000)
  local oldest = rcall('ZRANGE', KEYS[1], 0, batch - 1)
  rcall('SREM', KEYS[2], unpack(oldest))
  rcall('ZREMRANGEBYRANK', KEYS[1], 0, batch - 1)
  trimmed = trimmed + batch
  size = size - batch
end
return {size, trimmed}
