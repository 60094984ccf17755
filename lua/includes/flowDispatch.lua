-- flowDispatch: the dispatch cycle and notice routing. Mirrors MemoryFlowStore cycle /
-- nextDispatchable / dispatchItem. Expects: FC (all other flow includes).

local rcall = redis.call

-- Caller's notices go to the reply; other owners' to their inbox LIST (JSON, in order produced).
function FC.route(ctx, owner, notice)
  if owner == ctx.owner then
    ctx.notices[#ctx.notices + 1] = notice
  else
    rcall('RPUSH', ctx.K.ip .. owner, FC.json(notice))
  end
end

-- Picks the next flow of band b per its fairness policy (updating cursor / floor), or nil.
function FC.pickFlow(ctx, b)
  local ck = ctx.K.cp .. b.p
  local policy = b.tpl.fairness.type
  if policy == 'global-strict-fairness-policy' then
    local first = rcall('ZRANGE', ck, 0, 0)
    if first[1] == nil then return nil end
    return string.sub(first[1], 13)
  end
  if policy == 'round-robin-fairness-policy' then
    local cursor = rcall('HGET', ctx.K.state, 'rr:' .. b.p)
    local picked = nil
    if cursor then picked = rcall('ZRANGEBYLEX', ck, '(' .. cursor, '+', 'LIMIT', 0, 1)[1] end
    if picked == nil then picked = rcall('ZRANGE', ck, 0, 0)[1] end
    if picked == nil then return nil end
    rcall('HSET', ctx.K.state, 'rr:' .. b.p, picked)
    return picked
  end
  local best = rcall('ZRANGE', ck, 0, 0, 'WITHSCORES')
  if best[1] == nil then return nil end
  local vt = tonumber(best[2])
  if vt > b.vf then
    b.vf = vt
    b.dirty = true
  end
  return best[1]
end

-- Next item to dispatch under saturation and band ceilings, or nil (head-of-line stop / empty).
function FC.nextDispatchable(ctx)
  if ctx.meta.len == 0 then return nil end
  local saturation = FC.saturation(ctx)
  local prios = FC.priorities(ctx)
  local ceilings = FC.ceilings(ctx.cfg.usageLimit, prios)
  for i, p in ipairs(prios) do
    if saturation >= ceilings[i] then return nil end
    local b = FC.band(ctx, p)
    if b.len > 0 then
      local fid = FC.pickFlow(ctx, b)
      if fid ~= nil then
        local f = FC.flow(ctx, p, fid)
        local head = rcall('ZRANGE', FC.queueKey(ctx, f), 0, 0)[1]
        if head ~= nil then return FC.item(ctx, string.sub(head, 13)) end
      end
    end
  end
  return nil
end

function FC.dispatchItem(ctx, r)
  local b = FC.band(ctx, r.p)
  FC.removeItem(ctx, r)
  FC.grantLease(ctx, b, r)
end

-- Turns item r (already out of its queue, or never queued) into a lease: token charge, drain
-- window, notice or self-lease. Second half of MemoryFlowStore.dispatchItem.
function FC.grantLease(ctx, b, r)
  local tokens = r.upt + r.eot
  local l = { leaseId = r.requestId, owner = r.owner, p = r.p, fid = r.fid, tokens = tokens, at = ctx.now, ep = '' }
  FC.addLease(ctx, l)
  if b.tpl.fairness.type == 'token-fairness-policy' then
    local f = FC.flow(ctx, r.p, r.fid)
    f.vt = (f.vt or 0) + tokens / FC.weight(b.tpl.fairness, r.fid)
    if f.len > 0 then FC.refreshCandidate(ctx, b, f) end
  end
  local w = { s = b.ws, c = b.wc, p = b.wp }
  FC.rollDrain(w, ctx.now)
  w.c = w.c + 1
  b.ws, b.wc, b.wp = w.s, w.c, w.p
  b.dirty = true
  ctx.dispatched = ctx.dispatched + 1
  if r.requestId == ctx.selfRequestId then
    ctx.selfLease = FC.leaseRecord(l)
    return
  end
  FC.route(ctx, r.owner, { type = 'dispatched', requestId = r.requestId, lease = FC.leaseRecord(l), queueWaitMs = ctx.now - r.enq })
end

-- Fast path of admit when nothing is queued: if the first dispatch cycle would pick this item at
-- once, grant its lease without writing it to the queue structures. The resulting state is the
-- one enqueue + cycle would leave (flow activity, token lift and floor, round-robin cursor, seq),
-- minus the queue writes that would cancel out. Returns true when it dispatched.
function FC.admitDirect(ctx, b, r)
  if ctx.meta.len ~= 0 or ctx.dispatched >= ctx.cfg.dispatchBatchMax then return false end
  local saturation = FC.saturation(ctx)
  local prios = FC.priorities(ctx)
  local ceilings = FC.ceilings(ctx.cfg.usageLimit, prios)
  for i, p in ipairs(prios) do
    if saturation >= ceilings[i] then return false end
    if p == b.p then break end
  end
  local f = FC.getOrCreateFlow(ctx, b, r.fid)
  local policy = b.tpl.fairness.type
  if policy == 'token-fairness-policy' then
    f.vt = math.max(f.vt or 0, b.vf)
    if f.vt > b.vf then b.vf = f.vt end
  elseif policy == 'round-robin-fairness-policy' then
    rcall('HSET', ctx.K.state, 'rr:' .. b.p, r.fid)
  end
  f.la = ctx.now
  b.la = ctx.now
  f.dirty = true
  b.dirty = true
  FC.grantLease(ctx, b, r)
  return true
end

-- One dispatch cycle of at most max items.
function FC.cycle(ctx, max)
  while ctx.dispatched < max do
    local r = FC.nextDispatchable(ctx)
    if r == nil then return end
    FC.dispatchItem(ctx, r)
  end
end

-- Common reply fields, then FC.finish. Returns the reply as MessagePack (numbers travel as
-- exact int64/float64; cmsgpack is C, unlike FC.json, which is kept for inbox notices).
function FC.reply(ctx, result)
  result.notices = ctx.notices
  result.dispatchedCount = ctx.dispatched
  result.storeNowMs = ctx.now
  FC.finish(ctx)
  return cmsgpack.pack(result)
end
