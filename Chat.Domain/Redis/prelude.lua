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

-- Takes count consecutive numbers from a block counter (a hash: next, limit, run, size; docs/decisions/0003): returns the
-- first, or 0 when the block has fewer left, is lost, or was installed by an earlier run of the server, whose `next`
-- may be older than numbers already handed out. Returns as well 1 when fewer than a block's size are left after them:
-- the caller reserves the next block ahead, while MySQL answers, so a short MySQL outage costs no write.
local function take_numbers(counter, count)
  local block = redis.call('HMGET', counter, 'next', 'limit', 'run', 'size')
  if block[3] ~= server_run() then return 0, 0 end
  local first = tonumber(block[1]) + 1
  local last = first + count - 1
  if last > tonumber(block[2]) then return 0, 0 end
  redis.call('HINCRBY', counter, 'next', count)
  if block[4] and tonumber(block[2]) - last < tonumber(block[4]) then return first, 1 end
  return first, 0
end

-- One view of a pending state, as the pipeline's scripts lay them out: in KEYS its hash, then its index when it has
-- one; in ARGV its field and its score ('' for a view without index). Returns hash, field, score and index (nil
-- without), and the positions of the next view.
local function next_view(k, a)
  local hash, field, score = KEYS[k], ARGV[a], ARGV[a + 1]
  if score == '' then return hash, field, nil, nil, k + 1, a + 2 end
  return hash, field, score, KEYS[k + 1], k + 2, a + 2
end
