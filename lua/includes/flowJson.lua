-- flowJson: FC.json(value) encodes replies and notices as JSON with EXACT numbers (%.17g; cjson
-- would round to 14 significant digits). Empty tables encode as []; objects must be non-empty.
-- FC.NULL encodes as null. Expects: FC (flowState), cjson.

FC.NULL = cjson.null

function FC.json(v)
  local t = type(v)
  if t == 'number' then
    if v ~= v or v == math.huge or v == -math.huge then return 'null' end
    return FC.num(v)
  end
  if t == 'string' then return cjson.encode(v) end
  if t == 'boolean' then return v and 'true' or 'false' end
  if v == nil or v == cjson.null then return 'null' end
  local parts = {}
  if next(v) == nil or v[1] ~= nil then
    for i = 1, #v do parts[i] = FC.json(v[i]) end
    return '[' .. table.concat(parts, ',') .. ']'
  end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  table.sort(keys)
  for i, k in ipairs(keys) do parts[i] = cjson.encode(k) .. ':' .. FC.json(v[k]) end
  return '{' .. table.concat(parts, ',') .. '}'
end
