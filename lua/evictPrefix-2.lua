--[[
  evictPrefix-2: forget blocks for one endpoint (cached_tokens feedback).

  KEYS[1]  ZSET  the endpoint's recency index: blockHash -> recency seq
  KEYS[2]  SET   the endpoint's membership set: blockHash
  ARGV[1]  hex   block hashes to remove, concatenated, 16 hex characters each

  Returns:
    int  number of blocks removed
]]
local rcall = redis.call
local hex = ARGV[1]
local n = math.floor(#hex / 16)
local removed = 0
local batch = {}
for i = 1, n do
  batch[#batch + 1] = string.sub(hex, (i - 1) * 16 + 1, i * 16)
  if #batch >= 1000 or i == n then
    removed = removed + rcall('ZREM', KEYS[1], unpack(batch))
    rcall('SREM', KEYS[2], unpack(batch))
    batch = {}
  end
end
return removed
