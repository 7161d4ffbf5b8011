-- A connection goes away; the user was last seen now. KEYS and ARGV as presence_connect.lua.
redis.call('ZREM', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[4])
return 0
