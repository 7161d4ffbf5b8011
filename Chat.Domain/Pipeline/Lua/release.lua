-- After the worker's commit: forgets each pending state still at exactly the persisted version (a newer one stays),
-- removes each persisted version's outbox line whatever came after it, and raises the generation of every cached
-- row the commit changed, all in one step: no reader can see a pending state gone while an older cached copy of its
-- row still counts.
-- KEYS: the outbox, the generation keys, then for every view of every state its hash, followed by its index when it has one.
-- ARGV: ttl, number of generation keys, then per state: version, outbox line, view count,
--       then per view: field, score ('' for a view without index).
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
  for _ = 1, views do
    local hash, field, score = KEYS[k], ARGV[a], ARGV[a + 1]
    k, a = k + 1, a + 2
    local current = redis.call('HGET', hash, field)
    local persisted = current and version_of(current) == version
    if persisted then redis.call('HDEL', hash, field) end
    if score ~= '' then
      if persisted then redis.call('ZREM', KEYS[k], field) end
      k = k + 1
    end
  end
end
return 0
