-- Whether a user is online, and when last seen. KEYS: the user's connections, their last-seen time.
-- ARGV: the oldest heartbeat that still counts (ms); older connections (of a replica that died) are dropped.
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
return {redis.call('ZCARD', KEYS[1]), redis.call('GET', KEYS[2]) or ''}
