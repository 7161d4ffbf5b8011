-- Appends a block reserved ahead to the block in use, when the two are consecutive and the one in use is of this server
-- run: numbers go on without a pause. Otherwise the reserved block is never used (a gap, as after a Redis loss).
-- KEYS: the scope's counter hash. ARGV: the first number of the reserved block minus one, its last number.
local block = redis.call('HMGET', KEYS[1], 'limit', 'run')
if block[2] ~= server_run() or tonumber(block[1]) ~= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'limit', ARGV[2])
return 1
