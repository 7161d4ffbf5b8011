-- Moves the count marks into the processing sets, merged with what a crashed or failed run left there, so nothing is dropped.
-- KEYS: dirty applications, dirty chats, processing applications, processing chats.
redis.call('SUNIONSTORE', KEYS[3], KEYS[3], KEYS[1])
redis.call('DEL', KEYS[1])
redis.call('SUNIONSTORE', KEYS[4], KEYS[4], KEYS[2])
redis.call('DEL', KEYS[2])
return { redis.call('SCARD', KEYS[3]), redis.call('SCARD', KEYS[4]) }
