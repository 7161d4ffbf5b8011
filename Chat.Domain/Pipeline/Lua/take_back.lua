-- Takes back stored states whose command the broker never confirmed: where a view still holds exactly the version
-- stored, puts back what that state replaced (an accepted state must not vanish because a later change of it
-- failed), or removes it. A newer state stays. The refused versions leave the outbox either way: no command of them exists.
-- KEYS: as accept.lua. ARGV: per state: version, what it replaced ('' for nothing), outbox line, view count, then its views.
local k, a = 2, 1
while a <= #ARGV do
  local version, replaced, line, views = tonumber(ARGV[a]), ARGV[a + 1], ARGV[a + 2], tonumber(ARGV[a + 3])
  a = a + 4
  redis.call('ZREM', KEYS[1], line)
  for _view = 1, views do
    local hash, field, _, index
    hash, field, _, index, k, a = next_view(k, a)
    local current = redis.call('HGET', hash, field)
    if current and version_of(current) == version then
      if replaced ~= '' then
        redis.call('HSET', hash, field, replaced)
      else
        redis.call('HDEL', hash, field)
        if index then redis.call('ZREM', index, field) end
      end
    end
  end
end
return 0
