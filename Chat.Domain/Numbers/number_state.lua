-- Whether a scope's counter can hand out a number now: 2 when its block is of this server run and has numbers left,
-- 1 when it is of this run and used up, 0 when there is none of this run (lost, or left by an earlier run).
-- KEYS: the scope's counter hash (next, limit, run).
local block = redis.call('HMGET', KEYS[1], 'next', 'limit', 'run')
if block[3] ~= server_run() then return 0 end
if tonumber(block[1]) < tonumber(block[2]) then return 2 end
return 1
