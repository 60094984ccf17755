--[[
  releaseLeader-1: give up a leader lease, but only if the caller holds it (compare-and-delete).

  KEYS[1]  STRING  leader lease key; value = holder token
  ARGV[1]  string  holder token of the caller

  Returns:
    1  released
    0  not the holder: nothing changed
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
