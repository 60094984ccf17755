-- clock: the one clock of Sluice is the Redis server's TIME.
-- sluiceNow(override) returns milliseconds since the Unix epoch with microsecond precision
-- (a float). `override` is a test-only ARGV value: a non-empty decimal string replaces TIME so a
-- conformance suite can drive time; production callers pass the empty string.
local function sluiceNow(override)
  if override ~= nil and override ~= '' then
    return tonumber(override)
  end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
end

-- sluiceMsString(ms) formats a millisecond value for a reply without the %.14g rounding that
-- tostring() applies in Lua 5.1 (which would drop the sub-millisecond part of an epoch time).
local function sluiceMsString(ms)
  return string.format('%.3f', ms)
end
