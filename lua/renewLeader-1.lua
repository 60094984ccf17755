--[[
  renewLeader-1: extend a leader lease, but only while the caller still holds it (compare-and-renew).

  KEYS[1]  STRING  leader lease key; value = holder token, expiry set with PX
  ARGV[1]  string  holder token of the caller
  ARGV[2]  ms      new lease duration from now

  Returns:
    1  renewed: the caller holds the lease for ARGV[2] ms from now
    0  not renewed: the lease expired or another holder has it
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
