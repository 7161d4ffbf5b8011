-- Puts what a failed run did not finish back among the marks.
-- KEYS: dirty applications, dirty chats, processing applications, processing chats.
redis.call('SUNIONSTORE', KEYS[1], KEYS[1], KEYS[3])
redis.call('DEL', KEYS[3])
redis.call('SUNIONSTORE', KEYS[2], KEYS[2], KEYS[4])
redis.call('DEL', KEYS[4])
return 1
