-- After the worker's commit: forgets each pending state still at exactly the persisted version (a newer one stays),
-- removes each persisted version's outbox line whatever came after it, and raises the generation of every cached
-- row the commit changed, all in one step: no reader can see a pending state gone while an older cached copy of its
-- row still counts.
-- KEYS: the outbox, the generation keys, then the views of every state (see next_view).
-- ARGV: ttl, number of generation keys, then per state: version, outbox line, view count, then its views.
local ttl, generations = ARGV[1], tonumber(ARGV[2])
for g = 2, generations + 1 do
  redis.call('INCR', KEYS[g])
  redis.call('EXPIRE', KEYS[g], ttl)
end
local k, a = generations + 2, 3
while a <= #ARGV do
  local version, line, views = tonumber(ARGV[a]), ARGV[a + 1], tonumber(ARGV[a + 2])
  a = a + 3
  redis.call('ZREM', KEYS[1], line)
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
