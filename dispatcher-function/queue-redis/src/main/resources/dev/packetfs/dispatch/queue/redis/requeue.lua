-- Queues a dead letter's job again as a new submission, and removes the dead letter, in one step;
-- its failed result goes first, so the new run can store one.
-- KEYS[1] dead stream, KEYS[2] stream, KEYS[3] queued-bytes counter, KEYS[4] job hash, KEYS[5]
-- result key
-- ARGV[1] dead letter id, ARGV[2] job JSON, ARGV[3] job-hash TTL (s)
-- Returns 1 when queued; 0 when the dead letter is gone; -1 when the job is queued or running
-- again already.
local dead, stream, bytesKey, jobKey, resultKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
if #redis.call('XRANGE', dead, ARGV[1], ARGV[1]) == 0 then
  return 0
end
if redis.call('EXISTS', jobKey) == 1 then
  return -1
end
redis.call('DEL', resultKey)
local id = redis.call('XADD', stream, '*', 'job', ARGV[2], 'checked', '1')
redis.call('HSET', jobKey, 'token', id, 'state', 'queued', 'attempts', 0)
redis.call('EXPIRE', jobKey, ARGV[3])
redis.call('INCRBY', bytesKey, #ARGV[2])
redis.call('XDEL', dead, ARGV[1])
return 1
