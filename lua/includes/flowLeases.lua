-- flowLeases: capacity reservations of dispatched requests. leaseId = requestId.
-- Mirrors MemoryFlowStore addLease/freeLease/unbind. Expects: FC (flowState, flowDetectors, flowQueue).

local rcall = redis.call

-- Lease record {leaseId, owner, p, fid, tokens, at (dispatchedAt), ep (endpoint or '')}.
function FC.lease(ctx, leaseId)
  local raw = rcall('HGET', ctx.K.linfo, leaseId)
  if not raw then return nil end
  local f = FC.split(raw, 6)
  return { leaseId = leaseId, owner = f[1], p = tonumber(f[2]), tokens = tonumber(f[3]), at = tonumber(f[4]), ep = f[5], fid = f[6] }
end

function FC.saveLease(ctx, l)
  rcall('HSET', ctx.K.linfo, l.leaseId, l.owner .. '|' .. FC.num(l.p) .. '|' .. FC.num(l.tokens) .. '|' .. FC.num(l.at) .. '|' .. l.ep .. '|' .. l.fid)
end

-- LeaseRecord JSON shape.
function FC.leaseRecord(l)
  local ep = FC.NULL
  if l.ep ~= '' then ep = l.ep end
  return { leaseId = l.leaseId, requestId = l.leaseId, owner = l.owner, flow = { fairnessId = l.fid, priority = l.p },
           estimatedTokens = l.tokens, dispatchedAtMs = l.at, endpoint = ep }
end

-- Creates a live lease expiring leaseTtlMs from now (bound to l.ep when non-empty).
function FC.addLease(ctx, l)
  local b = FC.ensureBand(ctx, l.p)
  local f = FC.getOrCreateFlow(ctx, b, l.fid)
  rcall('ZADD', ctx.K.leases, ctx.now + ctx.cfg.leaseTtlMs, l.leaseId)
  rcall('ZADD', ctx.K.ldisp, l.at, l.leaseId)
  FC.saveLease(ctx, l)
  f.leases = f.leases + 1
  f.dirty = true
  ctx.meta.lc = ctx.meta.lc + 1
  ctx.meta.lt = ctx.meta.lt + l.tokens
  if l.ep ~= '' then FC.addBound(ctx, l.ep, 1, l.tokens) end
end

-- Frees a live lease; settles the token-fairness charge when actualTokens is given.
function FC.freeLease(ctx, l, actualTokens)
  rcall('ZREM', ctx.K.leases, l.leaseId)
  rcall('ZREM', ctx.K.ldisp, l.leaseId)
  rcall('HDEL', ctx.K.linfo, l.leaseId)
  if l.ep ~= '' then FC.addBound(ctx, l.ep, -1, -l.tokens) end
  ctx.meta.lc = ctx.meta.lc - 1
  ctx.meta.lt = ctx.meta.lt - l.tokens
  local f = FC.flow(ctx, l.p, l.fid)
  local b = FC.band(ctx, l.p)
  if f == nil or b == nil then return end
  f.leases = f.leases - 1
  f.la = ctx.now
  b.la = ctx.now
  f.dirty = true
  b.dirty = true
  if actualTokens ~= nil and b.tpl.fairness.type == 'token-fairness-policy' then
    f.vt = (f.vt or 0) + (actualTokens - l.tokens) / FC.weight(b.tpl.fairness, l.fid)
    if f.len > 0 then FC.refreshCandidate(ctx, b, f) end
  end
end

-- Binds a lease to an endpoint (replacing any previous binding).
function FC.bindLease(ctx, l, endpoint)
  if l.ep ~= '' then FC.addBound(ctx, l.ep, -1, -l.tokens) end
  l.ep = endpoint
  FC.saveLease(ctx, l)
  FC.addBound(ctx, endpoint, 1, l.tokens)
end
