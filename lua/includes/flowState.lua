-- flowState: the Redis layout of one pool's flow-control state, loaded lazily into a per-call
-- context `ctx` and written back once by FC.finish(ctx). Every key shares the {pool} hash tag.
--
-- KEYS (same 12 for every flow script; see the script headers):
--   1 state HASH   meta fields (inc, seq, len, bytes, lc, lt, hasEp, regAt, snap, epn, epsum, epsince,
--                  desired, init, onext),
--                  interned owners o:<replicaId> -> idx and oi:<idx> -> replicaId,
--                  band records b:<p>, round-robin cursors rr:<p>, flow records f:<p>:<fid>,
--                  bound endpoint load bl:<endpoint>
--   2 items HASH   requestId -> 'ownerIdx|p|bytes|upt|eot|orderKey|seq|enq|ttl|fid' (queued items only;
--                  see FC.packItem)
--   3 exp ZSET     '<p>:<fid>' -> lower bound of the earliest TTL deadline of the flow's queued items (ms)
--   4 leases ZSET  leaseId -> lease expiry (ms); leaseId = requestId
--   5 linfo HASH   leaseId -> 'owner|p|tokens|dispatchedAt|endpoint|fid' (endpoint '' = unbound)
--   6 ldisp ZSET   leaseId -> dispatchedAt (ms), for the in-flight credit count
--   7 bands ZSET   priority -> priority (existing bands)
--   8 flows ZSET   '<p>:<fid>' -> idle since (ms) when empty without leases, +inf when active
--   9 replicas ZSET replicaId -> heartbeat expiry (ms)
--  10 queue prefix: <prefix><p>:<fid> ZSET seqhex..requestId -> orderKey (one per flow)
--  11 candidate prefix: <prefix><p> ZSET of the band's non-empty flows, scored per fairness policy
--  12 inbox prefix: <prefix><replicaId> LIST of JSON notices
-- Expects: cjson.
--@include clock

local FC = {}

local rcall = redis.call

-- Shortest exact decimal form of a number for packed records (tostring would round to 14 digits).
-- Integers print as such; otherwise %.16g, which equals %.15g whenever that round-trips (a double's
-- relative error is below 1.2e-16, so the 16th digit of a 15-digit value prints as a stripped 0),
-- else %.17g. The last result is memoized: most numbers written in one call are ctx.now.
local numLastX, numLastS = nil, nil
function FC.num(x)
  if x == numLastX then return numLastS end
  local s
  if x == math.floor(x) and math.abs(x) < 1e15 then
    s = string.format('%d', x)
  else
    s = string.format('%.16g', x)
    if tonumber(s) ~= x then s = string.format('%.17g', x) end
  end
  numLastX, numLastS = x, s
  return s
end

-- Splits on '|' into at most n fields; the last field keeps any further '|'. One string.match for
-- a record with all n fields (patterns cached per n), the scanning loop for shorter ones.
local splitPatterns = {}
function FC.split(s, n)
  local pattern = splitPatterns[n]
  if pattern == nil then
    pattern = '^' .. string.rep('([^|]*)|', n - 1) .. '(.*)$'
    splitPatterns[n] = pattern
  end
  local out = { string.match(s, pattern) }
  if out[1] ~= nil then return out end
  local start = 1
  for i = 1, n - 1 do
    local bar = string.find(s, '|', start, true)
    if bar == nil then
      out[i] = string.sub(s, start)
      return out
    end
    out[i] = string.sub(s, start, bar - 1)
    start = bar + 1
  end
  out[n] = string.sub(s, start)
  return out
end

function FC.open(keys, cfgPacked, nowOverride, owner)
  local ctx = {
    K = { state = keys[1], items = keys[2], exp = keys[3], leases = keys[4], linfo = keys[5], ldisp = keys[6],
          bands = keys[7], flows = keys[8], replicas = keys[9], qp = keys[10], cp = keys[11], ip = keys[12] },
    cfg = cmsgpack.unpack(cfgPacked),
    now = sluiceNow(nowOverride),
    owner = owner,
    notices = {},
    dispatched = 0,
    bandCache = {},
    flowCache = {},
  }
  local m = rcall('HMGET', ctx.K.state, 'inc', 'seq', 'len', 'bytes', 'lc', 'lt', 'hasEp', 'regAt', 'init', 'epn', 'epsum', 'epsince')
  -- endpoint summary written by publishEndpoints: count, utilization sum if all metrics are fresh,
  -- oldest metrics time (so most saturation checks never decode the snapshot)
  local since = math.huge
  if m[12] and m[12] ~= 'inf' then since = tonumber(m[12]) end
  ctx.ep = { n = tonumber(m[10] or '0'), sum = tonumber(m[11] or '0'), since = since }
  ctx.meta = {
    inc = m[1] or '', seq = tonumber(m[2] or '0'), len = tonumber(m[3] or '0'), bytes = tonumber(m[4] or '0'),
    lc = tonumber(m[5] or '0'), lt = tonumber(m[6] or '0'), hasEp = m[7] == '1', regAt = tonumber(m[8] or '0'),
  }
  -- as stored, so FC.finish writes only what changed (hasEp as its stored string)
  ctx.meta0 = { inc = m[1], seq = tonumber(m[2]), len = tonumber(m[3]), bytes = tonumber(m[4]), lc = tonumber(m[5]),
                lt = tonumber(m[6]), hasEp = m[7], regAt = tonumber(m[8]) }
  if m[9] ~= '1' then FC.initialize(ctx) end
  return ctx
end

-- First call on an empty pool (or after state loss): new incarnation, static bands and band 0.
function FC.initialize(ctx)
  local t = rcall('TIME')
  ctx.meta.inc = t[1] .. '-' .. t[2]
  ctx.meta.regAt = ctx.now
  ctx.metaDirty = true
  rcall('HSET', ctx.K.state, 'init', '1')
  for _, b in ipairs(ctx.cfg.priorityBands) do FC.createBand(ctx, b.priority, true) end
  if FC.band(ctx, 0) == nil then FC.createBand(ctx, 0, true) end
end

function FC.isStaticPriority(ctx, p)
  if p == 0 then return true end
  for _, b in ipairs(ctx.cfg.priorityBands) do
    if b.priority == p then return true end
  end
  return false
end

-- Band template (limits, policies, ttl) of priority p.
function FC.template(ctx, p)
  for _, b in ipairs(ctx.cfg.priorityBands) do
    if b.priority == p then return b end
  end
  if p < 0 and ctx.cfg.defaultNegativePriorityBand ~= cjson.null and ctx.cfg.defaultNegativePriorityBand ~= nil then
    return ctx.cfg.defaultNegativePriorityBand
  end
  return ctx.cfg.defaultPriorityBand
end

-- ---------------------------------------------------------------- bands
function FC.createBand(ctx, p, isStatic)
  rcall('ZADD', ctx.K.bands, p, p)
  local b = { p = p, len = 0, bytes = 0, la = ctx.now, vf = 0, ws = ctx.now, wc = 0, wp = 0,
              st = isStatic and 1 or 0, nf = 0, tpl = FC.template(ctx, p), dirty = true }
  ctx.bandCache[p] = b
  ctx.prios = nil
  return b
end

-- Band record of priority p, or nil when the band does not exist.
function FC.band(ctx, p)
  local b = ctx.bandCache[p]
  if b ~= nil then
    if b.deleted then return nil end
    return b
  end
  local raw = rcall('HGET', ctx.K.state, 'b:' .. p)
  if not raw then return nil end
  local f = FC.split(raw, 9)
  b = { p = p, len = tonumber(f[1]), bytes = tonumber(f[2]), la = tonumber(f[3]), vf = tonumber(f[4]),
        ws = tonumber(f[5]), wc = tonumber(f[6]), wp = tonumber(f[7]), st = tonumber(f[8]), nf = tonumber(f[9]),
        tpl = FC.template(ctx, p) }
  ctx.bandCache[p] = b
  return b
end

-- Existing priorities, descending.
function FC.priorities(ctx)
  if ctx.prios == nil then
    local raw = rcall('ZREVRANGE', ctx.K.bands, 0, -1)
    ctx.prios = {}
    for i, v in ipairs(raw) do ctx.prios[i] = tonumber(v) end
  end
  return ctx.prios
end

function FC.deleteBand(ctx, b)
  rcall('ZREM', ctx.K.bands, b.p)
  rcall('HDEL', ctx.K.state, 'b:' .. b.p, 'rr:' .. b.p)
  rcall('DEL', ctx.K.cp .. b.p)
  b.deleted = true
  b.dirty = false
  ctx.prios = nil
end

-- ---------------------------------------------------------------- flows
-- Flow record: len, bytes, leases, la (last active ms), vt (virtual tokens or nil), hs (head seq
-- hex in the global-strict candidate member, '' when not a candidate).
function FC.flowKey(p, fid)
  return p .. ':' .. fid
end

function FC.flow(ctx, p, fid)
  local key = FC.flowKey(p, fid)
  local f = ctx.flowCache[key]
  if f ~= nil then
    if f.deleted then return nil end
    return f
  end
  local raw = rcall('HGET', ctx.K.state, 'f:' .. key)
  if not raw then return nil end
  local v = FC.split(raw, 6)
  f = { p = p, fid = fid, key = key, len = tonumber(v[1]), bytes = tonumber(v[2]), leases = tonumber(v[3]),
        la = tonumber(v[4]), vt = tonumber(v[5]), hs = v[6] }
  -- its current score in the idle index (see FC.finish)
  if f.len == 0 and f.leases == 0 then f.idleScore = FC.num(f.la) else f.idleScore = '+inf' end
  ctx.flowCache[key] = f
  return f
end

-- Flow (p, fid) of band b, created empty when missing.
function FC.getOrCreateFlow(ctx, b, fid)
  local f = FC.flow(ctx, b.p, fid)
  if f ~= nil then return f end
  local key = FC.flowKey(b.p, fid)
  f = { p = b.p, fid = fid, key = key, len = 0, bytes = 0, leases = 0, la = ctx.now, vt = nil, hs = '', dirty = true }
  ctx.flowCache[key] = f
  b.nf = b.nf + 1
  b.dirty = true
  return f
end

function FC.queueKey(ctx, f)
  return ctx.K.qp .. f.p .. ':' .. f.fid
end

function FC.deleteFlow(ctx, b, f)
  b.nf = b.nf - 1
  b.dirty = true
  rcall('HDEL', ctx.K.state, 'f:' .. f.key)
  rcall('ZREM', ctx.K.flows, f.key)
  f.deleted = true
  f.dirty = false
end

-- ---------------------------------------------------------------- write-back
local function flushFields(key, args)
  -- HSET in chunks: unpack() of a huge list would overflow the Lua C stack
  for i = 1, #args, 1000 do
    rcall('HSET', key, unpack(args, i, math.min(i + 999, #args)))
  end
end

-- Writes back every changed meta field, band and flow record in as few calls as possible, and
-- moves flows in or out of the idle index when their idle state or idle-since time changed.
function FC.finish(ctx)
  local m, m0 = ctx.meta, ctx.meta0
  local args = {}
  local function put(field, value)
    args[#args + 1] = field
    args[#args + 1] = value
  end
  local hasEp = m.hasEp and '1' or '0'
  if m.inc ~= m0.inc then put('inc', m.inc) end
  if m.seq ~= m0.seq then put('seq', FC.num(m.seq)) end
  if m.len ~= m0.len then put('len', FC.num(m.len)) end
  if m.bytes ~= m0.bytes then put('bytes', FC.num(m.bytes)) end
  if m.lc ~= m0.lc then put('lc', FC.num(m.lc)) end
  if m.lt ~= m0.lt then put('lt', FC.num(m.lt)) end
  if hasEp ~= m0.hasEp then put('hasEp', hasEp) end
  if m.regAt ~= m0.regAt then put('regAt', FC.num(m.regAt)) end
  for p, b in pairs(ctx.bandCache) do
    if b.dirty and not b.deleted then
      put('b:' .. p, FC.num(b.len) .. '|' .. FC.num(b.bytes) .. '|' .. FC.num(b.la) .. '|' .. FC.num(b.vf) .. '|' ..
          FC.num(b.ws) .. '|' .. FC.num(b.wc) .. '|' .. FC.num(b.wp) .. '|' .. b.st .. '|' .. FC.num(b.nf))
    end
  end
  for key, f in pairs(ctx.flowCache) do
    if f.dirty and not f.deleted then
      local vt = ''
      if f.vt ~= nil then vt = FC.num(f.vt) end
      put('f:' .. key, FC.num(f.len) .. '|' .. FC.num(f.bytes) .. '|' .. FC.num(f.leases) .. '|' .. FC.num(f.la) .. '|' .. vt .. '|' .. f.hs)
      -- idle index: an empty flow without leases is idle since its last activity (+inf = active)
      local score = '+inf'
      if f.len == 0 and f.leases == 0 then score = FC.num(f.la) end
      if score ~= f.idleScore then rcall('ZADD', ctx.K.flows, score, key) end
    end
  end
  if #args > 0 then flushFields(ctx.K.state, args) end
end
