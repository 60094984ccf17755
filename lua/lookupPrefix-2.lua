--[[
  lookupPrefix-2: longest consecutive matched prefix per candidate endpoint, plus each candidate's global in-flight load, in one round trip. Read-only.

  All keys share the pool's {hash tag}; KEYS[1] names a family of keys in that slot.

  KEYS[1]  prefix  per-endpoint block membership sets <KEYS[1]><endpoint> (SET of blockHash)
  KEYS[2]  HASH    in-flight source (the flow-control state hash); read only when ARGV[3] is non-empty
  ARGV[1]  hex     block hashes in prompt order, concatenated, 16 hex characters each
  ARGV[2]  string  candidate endpoint names separated by newlines
  ARGV[3]  string  field prefix of in-flight entries in KEYS[2] (value "requests|tokens"); empty = skip

  For each candidate the walk stops at its first missing block: hashes are probed with SMISMEMBER in
  chunks of 8, 16, 32, ... so a miss early in the prompt costs one small call. (SMISMEMBER, not
  ZMSCORE on the recency ZSET: integer replies are several times cheaper than score formatting.)

  Returns:
    {matched, requests, tokens, ...}  three integers per candidate, in ARGV[2] order
]]
local rcall = redis.call
local hex = ARGV[1]
local n = math.floor(#hex / 16)
local hashes = {}
for i = 1, n do
  hashes[i] = string.sub(hex, (i - 1) * 16 + 1, i * 16)
end
local fieldPrefix = ARGV[3]
local endpoints = {}
for endpoint in string.gmatch(ARGV[2], '[^\n]+') do
  endpoints[#endpoints + 1] = endpoint
end
local load = {}
if fieldPrefix ~= '' and #endpoints > 0 then
  local fields = {}
  for i, endpoint in ipairs(endpoints) do
    fields[i] = fieldPrefix .. endpoint
  end
  load = rcall('HMGET', KEYS[2], unpack(fields))
end
local out = {}
for e, endpoint in ipairs(endpoints) do
  local key = KEYS[1] .. endpoint
  local matched = 0
  local chunk = 8
  while matched < n do
    local upto = math.min(n, matched + chunk)
    local held = rcall('SMISMEMBER', key, unpack(hashes, matched + 1, upto))
    local stop = false
    for j = 1, upto - matched do
      if held[j] == 0 then
        stop = true
        matched = matched + j - 1
        break
      end
    end
    if stop then break end
    matched = upto
    chunk = math.min(chunk * 2, 512)
  end
  local requests, tokens = 0, 0
  local raw = load[e]
  if raw then
    local r, t = string.match(raw, '^([^|]*)|?(.*)$')
    requests = math.floor(tonumber(r) or 0)
    tokens = math.floor(tonumber(t) or 0)
  end
  out[#out + 1] = matched
  out[#out + 1] = requests
  out[#out + 1] = tokens
end
return out
