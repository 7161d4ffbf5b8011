-- Stores accepted states as pending, all or nothing: each in every view, listed in the application's outbox, and with
-- its change-feed entry at the next feed positions (docs/decisions/0010, 0015). A state is refused when its view already
-- holds one at least as new, one newer than the state it was based on (accepted meanwhile: the writer combines the two
-- and tries again), or a hidden one its kind never replaces (a deleted chat or message). A refused state takes no position.
-- KEYS: the outbox, the feed counter, the pending feed and its index, then the views of every state (see next_view).
-- ARGV: ttl, then per state: version, base (the version it replaces, 0 for a new thing), value, final ('1' when a hidden
--       state is final), outbox line, feed entry ('' for none), the feed entry's outbox line without its position,
--       view count, then its views. The first view decides.
-- Returns {-1} and stores nothing when the feed needs a new block of positions first; else per state
-- {1, what it replaced or '', its feed position or 0} when stored, {0, the value that refused it} when not, and after
-- them 1 when the feed's block runs low (the caller reserves the next one ahead), else 0.
local ttl = ARGV[1]
local states, k, a = {}, 5, 2
while a <= #ARGV do
  local s = { version = tonumber(ARGV[a]), base = tonumber(ARGV[a + 1]), value = ARGV[a + 2], final = ARGV[a + 3],
              line = ARGV[a + 4], entry = ARGV[a + 5], entry_line = ARGV[a + 6], views = {} }
  local count = tonumber(ARGV[a + 7])
  a = a + 8
  for _view = 1, count do
    local view = {}
    view.hash, view.field, view.score, view.index, k, a = next_view(k, a)
    s.views[#s.views + 1] = view
  end
  s.current = redis.call('HGET', s.views[1].hash, s.views[1].field)
  local seen = s.current and version_of(s.current)
  s.refused = s.current and (seen >= s.version or seen > s.base or (s.final == '1' and is_hidden(s.current)))
  states[#states + 1] = s
end

local entries = 0
for _, s in ipairs(states) do
  if not s.refused and s.entry ~= '' then entries = entries + 1 end
end
local seq, low = 0, 0
if entries > 0 then
  seq, low = take_numbers(KEYS[2], entries)
  if seq == 0 then return {-1} end
end

local out = {}
for _, s in ipairs(states) do
  if s.refused then
    out[#out + 1] = {0, s.current}
  else
    for _, view in ipairs(s.views) do
      redis.call('HSET', view.hash, view.field, s.value)
      redis.call('EXPIRE', view.hash, ttl)
      if view.index then
        redis.call('ZADD', view.index, view.score, view.field)
        redis.call('EXPIRE', view.index, ttl)
      end
    end
    redis.call('ZADD', KEYS[1], s.version, s.line)
    local position = 0
    if s.entry ~= '' then
      position = seq
      seq = seq + 1
      redis.call('HSET', KEYS[3], position, s.entry)
      redis.call('ZADD', KEYS[4], position, position)
      redis.call('ZADD', KEYS[1], s.version, s.entry_line .. position)
    end
    out[#out + 1] = {1, s.current or '', position}
  end
end
redis.call('EXPIRE', KEYS[1], ttl)
redis.call('EXPIRE', KEYS[3], ttl)
redis.call('EXPIRE', KEYS[4], ttl)
out[#out + 1] = low
return out
