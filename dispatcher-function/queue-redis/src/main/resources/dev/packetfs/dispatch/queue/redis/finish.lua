-- Stores a fan-out job's result (merged, or failed) and forgets its record and its windows'
-- answers, and acknowledges the merge entry that asked for it, in one step. Replayed, or run by
-- two dispatchers that both took the entry, it stores one result (SET NX).
-- KEYS[1] stream, KEYS[2] result key, KEYS[3] job hash, KEYS[4] fan-out record, KEYS[5] windows'
-- answers, KEYS[6] set of fan-outs in progress
-- ARGV[1] group, ARGV[2] merge entry id, ARGV[3] result JSON ('' to store none), ARGV[4] result
-- TTL (s), ARGV[5] parent id
local stream, resultKey, jobKey, fkey, wkey, active = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
if ARGV[3] ~= '' then
  redis.call('SET', resultKey, ARGV[3], 'NX', 'EX', ARGV[4])
end
redis.call('DEL', jobKey, fkey, wkey)
redis.call('ZREM', active, ARGV[5])
redis.call('XACK', stream, ARGV[1], ARGV[2])
redis.call('XDEL', stream, ARGV[2])
return 1
