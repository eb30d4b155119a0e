-- Plans a fan-out job: keeps its record, queues its first windows and acknowledges its own
-- delivery, in one step. A second plan of the same delivery (a settlement replayed, a delivery
-- taken over) changes nothing; nor does a plan of a parent cancelled meanwhile.
-- KEYS[1] stream, KEYS[2] queued-bytes counter, KEYS[3] the parent's job hash, KEYS[4] its result
-- key, KEYS[5] its fan-out record, KEYS[6] the set of fan-outs in progress
-- ARGV[1] group, ARGV[2] entry id, ARGV[3] bytes of the parent's JSON, ARGV[4] TTL (s),
-- ARGV[5] parent id, then field/value pairs of the record (tpl, windows, start, end, ...)
-- Returns 1 when planned now, 0 when not.
-- include: fanout
local stream, bytesKey, jobKey, resultKey, fkey, active = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local group, entry, parentBytes, ttl, parent = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5]
if redis.call('XACK', stream, group, entry) == 0 then
  return 0
end
redis.call('XDEL', stream, entry)
redis.call('DECRBY', bytesKey, parentBytes)
if redis.call('EXISTS', resultKey) == 1 or redis.call('EXISTS', fkey) == 1 then
  return 0
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local fields = {}
for i = 6, #ARGV do
  fields[#fields + 1] = ARGV[i]
end
redis.call('HSET', fkey, 'state', 'running', 'next', 0, 'done', 0, 'bytes_done', 0, 'cost', 0, 'executions', 0,
  'hedges', 0, 'hedges_won', 0, 'started_ms', now, unpack(fields))
redis.call('EXPIRE', fkey, ttl)
redis.call('HSET', jobKey, 'state', 'running', 'fanout', 1)
redis.call('EXPIRE', jobKey, ttl)
redis.call('ZADD', active, now, parent)
fanoutRefill(stream, bytesKey, fkey, parent)
return 1
