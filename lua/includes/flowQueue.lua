-- flowQueue: queued items, per-flow queues, band candidate sets and the TTL index.
-- Mirrors MemoryFlowStore enqueue/removeItem. Expects: FC (flowState, flowPolicies).

local rcall = redis.call

-- Queue member: fixed-width hex seq then requestId, so equal order keys sort by seq.
function FC.member(seq, requestId)
  return string.format('%012x', seq) .. requestId
end

-- Item record <-> table. rec = {requestId, owner, p, fid, bytes, upt, eot, orderKey, seq, enq, ttl}
-- Packed as 'ownerIdx|p|bytes|upt|eot|orderKey|seq|enq|ttl|fid' (~60 bytes, the bulk of an item's
-- memory): the owner is interned to a small index (FC.ownerIdx), orderKey is '' when it equals enq
-- (fcfs) and ttl is '' when it equals the band's default.
function FC.packItem(ctx, r, b)
  local ok, ttl = FC.num(r.orderKey), FC.num(r.ttl)
  if r.orderKey == r.enq then ok = '' end
  if r.ttl == b.tpl.requestTtlMs then ttl = '' end
  return FC.ownerIdx(ctx, r.owner) .. '|' .. FC.num(r.p) .. '|' .. FC.num(r.bytes) .. '|' .. FC.num(r.upt) .. '|' ..
         FC.num(r.eot) .. '|' .. ok .. '|' .. FC.num(r.seq) .. '|' .. FC.num(r.enq) .. '|' .. ttl .. '|' .. r.fid
end

function FC.item(ctx, requestId)
  local raw = rcall('HGET', ctx.K.items, requestId)
  if not raw then return nil end
  local f = FC.split(raw, 10)
  local p = tonumber(f[2])
  local enq = tonumber(f[8])
  local r = { requestId = requestId, owner = FC.ownerName(ctx, f[1]), p = p, bytes = tonumber(f[3]), upt = tonumber(f[4]),
              eot = tonumber(f[5]), orderKey = tonumber(f[6]) or enq, seq = tonumber(f[7]), enq = enq,
              ttl = tonumber(f[9]), fid = f[10] }
  if r.ttl == nil then r.ttl = FC.band(ctx, p).tpl.requestTtlMs end
  return r
end

-- Small integer standing for a replica id inside item records (state fields o:<id> and oi:<idx>).
function FC.ownerIdx(ctx, owner)
  ctx.ownerIdxCache = ctx.ownerIdxCache or {}
  local idx = ctx.ownerIdxCache[owner]
  if idx == nil then
    idx = rcall('HGET', ctx.K.state, 'o:' .. owner)
    if not idx then
      idx = tostring(rcall('HINCRBY', ctx.K.state, 'onext', 1))
      rcall('HSET', ctx.K.state, 'o:' .. owner, idx, 'oi:' .. idx, owner)
    end
    ctx.ownerIdxCache[owner] = idx
  end
  return idx
end

function FC.ownerName(ctx, idx)
  ctx.ownerNameCache = ctx.ownerNameCache or {}
  local name = ctx.ownerNameCache[idx]
  if name == nil then
    name = rcall('HGET', ctx.K.state, 'oi:' .. idx)
    ctx.ownerNameCache[idx] = name
  end
  return name
end

-- QueuedRecord JSON shape of an item.
function FC.queuedRecord(r)
  return { requestId = r.requestId, owner = r.owner, flow = { fairnessId = r.fid, priority = r.p }, bytes = r.bytes,
           tokens = { uncachedPromptTokens = r.upt, expectedOutputTokens = r.eot }, orderKey = r.orderKey,
           seq = r.seq, enqueuedAtMs = r.enq, ttlMs = r.ttl }
end

-- Re-scores flow f in its band's candidate ZSET after its queue or counter changed.
-- global-strict: score = head orderKey, member = head seq hex .. fid (ties by seq);
-- round-robin: score 0, member fid (lexicographic = compareIds for ASCII);
-- token-fairness: score = virtual tokens (nil = 0), member fid (ties by id).
function FC.refreshCandidate(ctx, b, f)
  local ck = ctx.K.cp .. b.p
  local policy = b.tpl.fairness.type
  if policy == 'global-strict-fairness-policy' then
    if f.hs ~= '' then rcall('ZREM', ck, f.hs .. f.fid) end
    f.hs = ''
    if f.len > 0 then
      local head = rcall('ZRANGE', FC.queueKey(ctx, f), 0, 0, 'WITHSCORES')
      f.hs = string.sub(head[1], 1, 12)
      rcall('ZADD', ck, head[2], f.hs .. f.fid)
    end
  elseif f.len > 0 then
    local score = 0
    if policy == 'token-fairness-policy' then score = f.vt or 0 end
    rcall('ZADD', ck, score, f.fid)
  else
    rcall('ZREM', ck, f.fid)
  end
  f.dirty = true
end

-- Lower bound (ms) of the moment an item can first run out of TTL budget, or nil when no budget
-- applies in either regime. Valid forever because the regime-change time only moves forward.
function FC.expiryLowerBound(ctx, r)
  local a, b = r.ttl, ctx.cfg.noEndpointRequestTtlMs
  local budget
  if a > 0 and b > 0 then budget = math.min(a, b) elseif a > 0 then budget = a elseif b > 0 then budget = b else return nil end
  return math.max(r.enq, ctx.meta.regAt) + budget
end

-- Remaining budget (ms) of a queued item now, or nil when no TTL applies in the current regime.
function FC.remainingBudget(ctx, r)
  local budget = r.ttl
  if not ctx.meta.hasEp then budget = ctx.cfg.noEndpointRequestTtlMs end
  if budget <= 0 then return nil end
  return math.max(r.enq, ctx.meta.regAt) + budget - ctx.now
end

function FC.ttlOutcome(ctx)
  if ctx.meta.hasEp then return 'evicted-ttl' end
  return 'evicted-no-endpoints'
end

function FC.ensureBand(ctx, p)
  return FC.band(ctx, p) or FC.createBand(ctx, p, false)
end

-- Puts a record in its flow's queue (no capacity check); lifts a token-fairness counter when the
-- flow becomes backlogged. Mirrors MemoryFlowStore.enqueue.
function FC.enqueue(ctx, r)
  local b = FC.ensureBand(ctx, r.p)
  local f = FC.getOrCreateFlow(ctx, b, r.fid)
  if f.len == 0 and b.tpl.fairness.type == 'token-fairness-policy' then
    local ref = b.vf
    local lowest = rcall('ZRANGE', ctx.K.cp .. b.p, 0, 0, 'WITHSCORES')
    if lowest[2] ~= nil then ref = tonumber(lowest[2]) end
    f.vt = math.max(f.vt or 0, ref)
  end
  rcall('ZADD', FC.queueKey(ctx, f), r.orderKey, FC.member(r.seq, r.requestId))
  rcall('HSET', ctx.K.items, r.requestId, FC.packItem(ctx, r, b))
  local bound = FC.expiryLowerBound(ctx, r)
  if bound ~= nil then rcall('ZADD', ctx.K.exp, 'LT', bound, f.key) end
  f.len = f.len + 1
  f.bytes = f.bytes + r.bytes
  b.len = b.len + 1
  b.bytes = b.bytes + r.bytes
  ctx.meta.len = ctx.meta.len + 1
  ctx.meta.bytes = ctx.meta.bytes + r.bytes
  f.la = ctx.now
  b.la = ctx.now
  b.dirty = true
  FC.refreshCandidate(ctx, b, f)
end

-- Removes a queued item from every structure. Mirrors MemoryFlowStore.removeItem.
function FC.removeItem(ctx, r)
  local b = FC.band(ctx, r.p)
  local f = FC.flow(ctx, r.p, r.fid)
  rcall('ZREM', FC.queueKey(ctx, f), FC.member(r.seq, r.requestId))
  rcall('HDEL', ctx.K.items, r.requestId)
  f.len = f.len - 1
  if f.len == 0 then rcall('ZREM', ctx.K.exp, f.key) end
  f.bytes = f.bytes - r.bytes
  b.len = b.len - 1
  b.bytes = b.bytes - r.bytes
  ctx.meta.len = ctx.meta.len - 1
  ctx.meta.bytes = ctx.meta.bytes - r.bytes
  f.la = ctx.now
  b.la = ctx.now
  b.dirty = true
  FC.refreshCandidate(ctx, b, f)
end
