-- Takes back stored states whose command the broker never confirmed: where a view still holds exactly the version
-- stored, puts back what that state replaced (an accepted state must not vanish because a later change of it
-- failed), or removes it. A newer state stays. The refused versions leave the outbox either way: no command of them
-- exists. Each refused state's feed position becomes a void, listed in the outbox in its place, so the feed keeps
-- no hole there once the void is written (docs/decisions/0015).
-- KEYS: as accept.lua. ARGV: per state: version, what it replaced ('' for nothing), outbox line, feed position (0 for
--       none), the void's value and outbox line, the feed entry's outbox line, view count, then its views.
local k, a = 5, 1
while a <= #ARGV do
  local version, replaced, line, position = tonumber(ARGV[a]), ARGV[a + 1], ARGV[a + 2], ARGV[a + 3]
  local void, void_line, entry_line, views = ARGV[a + 4], ARGV[a + 5], ARGV[a + 6], tonumber(ARGV[a + 7])
  a = a + 8
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
  if position ~= '0' then
    redis.call('HSET', KEYS[3], position, void)
    redis.call('ZREM', KEYS[1], entry_line)
    redis.call('ZADD', KEYS[1], version_of(void), void_line)
  end
end
return 0
