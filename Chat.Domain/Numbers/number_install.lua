-- Installs a block reserved durably in MySQL, stamped with this server run, unless a newer one of this run is installed.
-- KEYS: the scope's counter hash. ARGV: the first number minus one, the last number of the block.
local run = server_run()
local block = redis.call('HMGET', KEYS[1], 'limit', 'run')
if block[2] == run and tonumber(block[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'next', ARGV[1], 'limit', ARGV[2], 'run', run, 'size', ARGV[2] - ARGV[1])
return 1
