-- Stores accepted states as pending, all or nothing, and lists each stored one in the application's outbox
-- (docs/decisions/0010). A state is refused when its view already holds one at least as new, one newer than the state
-- it was based on (accepted meanwhile: the writer combines the two and tries again), or a hidden one its kind never
-- replaces (a deleted chat or message).
-- KEYS: the outbox, then the views of every state (see next_view). ARGV: ttl, then per state: version, base (the
-- version it replaces, 0 for a new thing), value, final ('1' when a hidden state is final), outbox line, view count,
-- then its views. The first view decides.
-- Returns per state {1, what it replaced or ''} when stored, {0, the value that refused it} when not.
local ttl = ARGV[1]
local k, a = 2, 2
local out = {}
while a <= #ARGV do
  local version, base, value, final, line = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), ARGV[a + 2], ARGV[a + 3], ARGV[a + 4]
  local views = tonumber(ARGV[a + 5])
  a = a + 6
  local current = redis.call('HGET', KEYS[k], ARGV[a])
  local seen = current and version_of(current)
  local refused = current and (seen >= version or seen > base or (final == '1' and is_hidden(current)))
  for _view = 1, views do
    local hash, field, score, index
    hash, field, score, index, k, a = next_view(k, a)
    if not refused then
      redis.call('HSET', hash, field, value)
      redis.call('EXPIRE', hash, ttl)
      if index then
        redis.call('ZADD', index, score, field)
        redis.call('EXPIRE', index, ttl)
      end
    end
  end
  if refused then
    out[#out + 1] = {0, current}
  else
    redis.call('ZADD', KEYS[1], version, line)
    out[#out + 1] = {1, current or ''}
  end
end
redis.call('EXPIRE', KEYS[1], ttl)
return out
