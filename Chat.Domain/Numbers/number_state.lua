-- Whether a scope's counter can hand out a number now: 3 when its block is of this server run and has numbers left, but
-- fewer than a block's size (the next block may be reserved ahead), 2 when it has more, 1 when it is of this run and used
-- up, 0 when there is none of this run (lost, or left by an earlier run).
-- KEYS: the scope's counter hash (next, limit, run, size).
local block = redis.call('HMGET', KEYS[1], 'next', 'limit', 'run', 'size')
if block[3] ~= server_run() then return 0 end
local left = tonumber(block[2]) - tonumber(block[1])
if left <= 0 then return 1 end
if block[4] and left < tonumber(block[4]) then return 3 end
return 2
