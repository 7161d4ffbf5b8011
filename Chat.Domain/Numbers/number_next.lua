-- The next number of a scope from its block (docs/decisions/0003), or 0 when the block is used up, lost, or was
-- installed by an earlier run of the Redis server: a server that restarted (or a replica that took over) may hold an
-- older `next` than numbers already handed out, so its blocks are never used again.
-- KEYS: the scope's counter hash (next, limit, run).
local block = redis.call('HMGET', KEYS[1], 'limit', 'run')
if block[2] ~= server_run() then return 0 end
local n = redis.call('HINCRBY', KEYS[1], 'next', 1)
if n <= tonumber(block[1]) then return n end
return 0
