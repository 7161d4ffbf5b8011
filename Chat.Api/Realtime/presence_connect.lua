-- A hub connection of a user comes online. KEYS: the user's connections, their last-seen time.
-- ARGV: now (ms), connection id, lifetime of the set (ms), lifetime of last seen (ms).
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[4])
return 0
