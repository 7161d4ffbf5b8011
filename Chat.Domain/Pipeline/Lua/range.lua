-- Up to a limit of pending states of one view whose index scores lie between two bounds, in score order.
-- KEYS: the view's hash, its index. ARGV: low, high (ZRANGEBYSCORE syntax, '(' for exclusive), descending ('1' or '0'), limit.
-- Returns field, value, field, value, … (a field whose value is gone meanwhile is left out).
local fields
if ARGV[3] == '1' then
  fields = redis.call('ZREVRANGEBYSCORE', KEYS[2], ARGV[2], ARGV[1], 'LIMIT', 0, ARGV[4])
else
  fields = redis.call('ZRANGEBYSCORE', KEYS[2], ARGV[1], ARGV[2], 'LIMIT', 0, ARGV[4])
end
local out = {}
if #fields == 0 then return out end
local values = redis.call('HMGET', KEYS[1], unpack(fields))
for i, field in ipairs(fields) do
  if values[i] then
    out[#out + 1] = field
    out[#out + 1] = values[i]
  end
end
return out
