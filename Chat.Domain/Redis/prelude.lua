-- Prepended to every script of the project (RedisScript): the helpers more than one script needs.

-- A pending value is "version|flag|json": the version is the state's updated_at in microseconds since the epoch
-- (exact in Lua's doubles), the flag L (live) or D (hidden: deleted, or a member who left).
local function version_of(value)
  return tonumber(string.sub(value, 1, string.find(value, '|', 1, true) - 1))
end

local function is_hidden(value)
  local bar = string.find(value, '|', 1, true)
  return string.sub(value, bar + 1, bar + 1) == 'D'
end

-- The id of this run of the Redis server: it changes when the server restarts or a replica takes over.
local function server_run()
  return string.match(redis.call('INFO', 'server'), 'run_id:(%w+)')
end

-- One view of a pending state, as the pipeline's scripts lay them out: in KEYS its hash, then its index when it has
-- one; in ARGV its field and its score ('' for a view without index). Returns hash, field, score and index (nil
-- without), and the positions of the next view.
local function next_view(k, a)
  local hash, field, score = KEYS[k], ARGV[a], ARGV[a + 1]
  if score == '' then return hash, field, nil, nil, k + 1, a + 2 end
  return hash, field, score, KEYS[k + 1], k + 2, a + 2
end
