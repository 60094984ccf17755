--[[
  removePrefixEndpoint-4: forget everything the prefix index holds for an endpoint that left the pool.

  All keys share the pool's {hash tag}.

  KEYS[1]  ZSET    the endpoint's recency index
  KEYS[2]  SET     the endpoint's membership set
  KEYS[3]  HASH    per-endpoint capacity: endpoint -> blocks
  KEYS[4]  SET     endpoints that have blocks
  ARGV[1]  string  endpoint name

  Returns:
    int  blocks that were held
]]
local rcall = redis.call
local held = rcall('ZCARD', KEYS[1])
rcall('DEL', KEYS[1], KEYS[2])
rcall('HDEL', KEYS[3], ARGV[1])
rcall('SREM', KEYS[4], ARGV[1])
return held
