-- flowDetectors: pool saturation, mirroring libs/flow-control/src/detectors/*.ts operation for
-- operation (same summation order, so Lua and TypeScript produce bit-identical doubles).
-- Expects: FC (flowState).

local rcall = redis.call

-- Endpoint snapshot {n = name, w = waiting|nil, kv = kv usage|nil, u = updatedAt ms}, cached per call.
function FC.snapshot(ctx)
  if ctx.snap == nil then
    local raw = rcall('HGET', ctx.K.state, 'snap')
    if raw then ctx.snap = cjson.decode(raw) else ctx.snap = {} end
  end
  return ctx.snap
end

-- Bound load {r = requests, t = tokens} per endpoint name, cached per call (write-through).
function FC.bound(ctx, name)
  ctx.boundCache = ctx.boundCache or {}
  local b = ctx.boundCache[name]
  if b == nil then
    local raw = rcall('HGET', ctx.K.state, 'bl:' .. name)
    if raw then
      local f = FC.split(raw, 2)
      b = { r = tonumber(f[1]), t = tonumber(f[2]) }
    else
      b = false
    end
    ctx.boundCache[name] = b
  end
  if b == false then return nil end
  return b
end

function FC.addBound(ctx, name, requests, tokens)
  local b = FC.bound(ctx, name) or { r = 0, t = 0 }
  b.r = b.r + requests
  b.t = b.t + tokens
  if requests < 0 and b.r <= 0 then
    ctx.boundCache[name] = false
    rcall('HDEL', ctx.K.state, 'bl:' .. name)
  else
    ctx.boundCache[name] = b
    rcall('HSET', ctx.K.state, 'bl:' .. name, FC.num(b.r) .. '|' .. FC.num(b.t))
  end
end

local function isNil(v)
  return v == nil or v == cjson.null
end

-- Utilization score sum over the snapshot when every endpoint's metrics count as fresh (missing
-- metrics score 1), in snapshot order: publishEndpoints stores it as 'epsum'.
function FC.freshUtilizationSum(d, eps)
  local sum = 0
  for _, e in ipairs(eps) do
    if isNil(e.w) or isNil(e.kv) then
      sum = sum + 1
    else
      sum = sum + math.max(e.w / d.queueDepthThreshold, e.kv / d.kvCacheUtilThreshold)
    end
  end
  return sum
end

function FC.saturation(ctx)
  local d = ctx.cfg.detector
  local n = ctx.ep.n
  if n == 0 then return 1 end
  local m = ctx.meta
  if d.type == 'concurrency-detector' then
    if d.mode == 'requests' then return m.lc / (n * d.maxConcurrency) end
    if d.mode == 'tokens' then return m.lt / (n * d.maxTokenConcurrency) end
    local eps = FC.snapshot(ctx)
    local boundReq, boundTok = 0, 0
    for _, e in ipairs(eps) do
      local b = FC.bound(ctx, e.n)
      if b then
        boundReq = boundReq + b.r
        boundTok = boundTok + b.t
      end
    end
    local spreadReq = (m.lc - boundReq) / n
    local spreadTok = (m.lt - boundTok) / n
    local sum = 0
    for _, e in ipairs(eps) do
      local b = FC.bound(ctx, e.n)
      local req = (b and b.r or 0) + spreadReq
      local tok = (b and b.t or 0) + spreadTok
      sum = sum + math.max(req / d.maxConcurrency, tok / d.maxTokenConcurrency)
    end
    return sum / n
  end
  local sum
  -- the oldest metrics are fresh => all are (now - u is monotonic in u), so the stored sum applies
  if not (ctx.now - ctx.ep.since > d.metricsStalenessThresholdMs) then
    sum = ctx.ep.sum
  else
    sum = 0
    for _, e in ipairs(FC.snapshot(ctx)) do
      local stale = ctx.now - e.u > d.metricsStalenessThresholdMs
      if stale or isNil(e.w) or isNil(e.kv) then
        sum = sum + 1
      else
        sum = sum + math.max(e.w / d.queueDepthThreshold, e.kv / d.kvCacheUtilThreshold)
      end
    end
  end
  local credit = 0
  if d.inFlightCredit then
    local count = 0
    if ctx.ep.since ~= math.huge then count = rcall('ZCOUNT', ctx.K.ldisp, ctx.ep.since, '+inf') end
    credit = count / (n * d.queueDepthThreshold)
  end
  return sum / n + credit
end
