-- flowPolicies: pure policy functions of flow control, mirroring libs/flow-control/src/policies/*
-- and detectors/* (the TypeScript versions are the spec; keep both in step).
-- Expects: FC (the flow-control namespace table declared by flowState).

FC.FAR_FUTURE_MS = 8.64e15
FC.DRAIN_WINDOW_MS = 10000

-- Order key (ms) of an item: fcfs = enqueue time; edf = enqueue + ttl (no ttl: far future);
-- slo-deadline = received + slo (missing/negative: far future).
function FC.orderKey(ordering, enqueuedAt, ttl, receivedAt, slo)
  if ordering == 'fcfs-ordering-policy' then return enqueuedAt end
  if ordering == 'edf-ordering-policy' then
    if ttl > 0 then return enqueuedAt + ttl end
    return FC.FAR_FUTURE_MS
  end
  if slo == nil or slo < 0 or slo ~= slo or slo == math.huge then return FC.FAR_FUTURE_MS end
  return math.min(receivedAt + slo, FC.FAR_FUTURE_MS)
end

-- Ceilings for priorities (descending list), per the usage-limit policy.
function FC.ceilings(policy, prios)
  local n = #prios
  local out = {}
  if policy.type == 'static-usage-limit-policy' then
    for i = 1, n do out[i] = policy.threshold end
    return out
  end
  local lo, hi = policy.minCeiling, policy.maxCeiling
  if n <= 1 then
    for i = 1, n do out[i] = hi end
    return out
  end
  if policy.domain == 'rank' then
    for i = 1, n do out[i] = hi - ((i - 1) * (hi - lo)) / (n - 1) end
    return out
  end
  local pMax, pMin = prios[1], prios[n]
  for i = 1, n do
    if pMax == pMin then out[i] = hi else out[i] = lo + ((prios[i] - pMin) / (pMax - pMin)) * (hi - lo) end
  end
  return out
end

-- Token-fairness weight of a fairness id (> 0, default 1).
function FC.weight(fairness, fid)
  if fairness.type ~= 'token-fairness-policy' then return 1 end
  local w = nil
  if type(fairness.weights) == 'table' then w = fairness.weights[fid] end
  if w == nil then w = fairness.defaultWeight end
  if w == nil or w <= 0 then return 1 end
  return w
end

-- Drain window {startMs, current, previous}: advance in whole windows.
function FC.rollDrain(w, now)
  local steps = math.floor((now - w.s) / FC.DRAIN_WINDOW_MS)
  if steps <= 0 then return end
  if steps == 1 then w.p = w.c else w.p = 0 end
  w.c = 0
  w.s = w.s + steps * FC.DRAIN_WINDOW_MS
end

-- Retry-After (ms, whole seconds in [1 s, maxSec]) from a band's drain window.
function FC.retryAfterMs(w, now, queued, maxSec)
  local copy = { s = w.s, c = w.c, p = w.p }
  FC.rollDrain(copy, now)
  local count = copy.p + copy.c
  if count <= 0 then return maxSec * 1000 end
  local ratePerMs = count / (FC.DRAIN_WINDOW_MS + (now - copy.s))
  local sec = math.ceil((queued + 1) / ratePerMs / 1000)
  return math.min(math.max(sec, 1), maxSec) * 1000
end
