-- After the worker's commit: forgets each pending state still at exactly the persisted version (a newer one stays),
-- removes each persisted version's outbox line whatever came after it, and raises the generation of every cached
-- row the commit changed, all in one step: no reader can see a pending state gone while an older cached copy of its
-- row still counts. A state whose kind keeps a released copy is put there instead of raising a generation (unless a
-- newer one is there), in the same step, so the copy that readers merge over their cached rows has it at once.
-- KEYS: the outbox, the generation keys, then per state its released copy if it has one, then its views (next_view).
-- ARGV: ttl, number of generation keys, the released copies' ttl, then per state: version, outbox line, its pending
-- value if its kind keeps a released copy (else ''), view count, then its views.
local ttl, generations, copy_ttl = ARGV[1], tonumber(ARGV[2]), ARGV[3]
for g = 2, generations + 1 do
  redis.call('INCR', KEYS[g])
  redis.call('EXPIRE', KEYS[g], ttl)
end
local k, a = generations + 2, 4
while a <= #ARGV do
  local version, line, value, views = tonumber(ARGV[a]), ARGV[a + 1], ARGV[a + 2], tonumber(ARGV[a + 3])
  a = a + 4
  redis.call('ZREM', KEYS[1], line)
  if value ~= '' then
    local copy, field = KEYS[k], ARGV[a] -- the first view's field: the state's own
    k = k + 1
    local kept = redis.call('HGET', copy, field)
    if not kept or version_of(kept) < version then redis.call('HSET', copy, field, value) end
    redis.call('EXPIRE', copy, copy_ttl)
  end
  for _view = 1, views do
    local hash, field, _, index
    hash, field, _, index, k, a = next_view(k, a)
    local current = redis.call('HGET', hash, field)
    if current and version_of(current) == version then
      redis.call('HDEL', hash, field)
      if index then redis.call('ZREM', index, field) end
    end
  end
end
return 0
