-- Takes back stored states whose command the broker never confirmed: where a view still holds exactly the version
-- stored, puts back what that state replaced (an accepted state must not vanish because a later change of it
-- failed), or removes it. A newer state stays. The refused versions leave the outbox either way: no command of them exists.
-- KEYS: as accept.lua. ARGV: per state: version, what it replaced ('' for nothing), outbox line, view count,
--       then per view: field, score ('' for a view without index).
local k, a = 2, 1
while a <= #ARGV do
  local version, replaced, line, views = tonumber(ARGV[a]), ARGV[a + 1], ARGV[a + 2], tonumber(ARGV[a + 3])
  a = a + 4
  redis.call('ZREM', KEYS[1], line)
  for _ = 1, views do
    local hash, field, score = KEYS[k], ARGV[a], ARGV[a + 1]
    k, a = k + 1, a + 2
    local current = redis.call('HGET', hash, field)
    local stored = current and version_of(current) == version
    if stored and replaced ~= '' then redis.call('HSET', hash, field, replaced) end
    if stored and replaced == '' then redis.call('HDEL', hash, field) end
    if score ~= '' then
      if stored and replaced == '' then redis.call('ZREM', KEYS[k], field) end
      k = k + 1
    end
  end
end
return 0
