-- Plans a fan-out job: keeps its record, queues its first windows and acknowledges its own
-- delivery, in one step. A second plan of the same delivery (a settlement replayed, a delivery
-- taken over) changes nothing; nor does a plan of a parent cancelled meanwhile.
-- A restart (a parent whose object changed, queued again by fanout.lua's fanoutRestart) finds its
-- record 'restarting' and plans it again in place, keeping what it spent; or, when its new version
-- cannot be planned (an error is given), ends it as failed through a merge entry.
-- KEYS[1] stream, KEYS[2] queued-bytes counter, KEYS[3] the parent's job hash, KEYS[4] its result
-- key, KEYS[5] its fan-out record, KEYS[6] the set of fan-outs in progress
-- ARGV[1] group, ARGV[2] entry id, ARGV[3] bytes of the parent's JSON, ARGV[4] TTL (s),
-- ARGV[5] parent id, ARGV[6] the restart this delivery is (0: the first plan), ARGV[7] the error
-- that ends a restart that cannot be planned ('' for a plan), then field/value pairs of the
-- record (tpl, windows, start, end, ...)
-- Returns 1 when planned (or ended) now, 0 when not.
-- include: fanout
local stream, bytesKey, jobKey, resultKey, fkey, active = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local group, entry, parentBytes, ttl, parent = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5]
local restart, err = ARGV[6], ARGV[7]
if redis.call('XACK', stream, group, entry) == 0 then
  return 0
end
redis.call('XDEL', stream, entry)
redis.call('DECRBY', bytesKey, parentBytes)
if redis.call('EXISTS', resultKey) == 1 then
  return 0
end
local f = redis.call('HMGET', fkey, 'state', 'restarts')
if restart == '0' then
  if f[1] then
    return 0
  end
elseif f[1] ~= 'restarting' or (f[2] or '0') ~= restart then
  return 0
end
if err ~= '' then
  redis.call('HSET', fkey, 'state', 'failed', 'error', err)
  redis.call('XADD', stream, '*', 'merge', parent)
  return 1
end
local fields = {}
for i = 8, #ARGV do
  fields[#fields + 1] = ARGV[i]
end
if restart == '0' then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  redis.call('HSET', fkey, 'state', 'running', 'next', 0, 'done', 0, 'bytes_done', 0, 'cost', 0, 'executions', 0,
    'hedges', 0, 'hedges_won', 0, 'started_ms', now, 'plan', 0, 'restarts', 0, unpack(fields))
  redis.call('ZADD', active, now, parent)
else
  -- What it spent, its hedges and when it started stay; the plan is the new version's.
  redis.call('HSET', fkey, 'state', 'running', 'next', 0, 'done', 0, 'bytes_done', 0, 'hedges_won', 0,
    'plan', restart, unpack(fields))
end
redis.call('EXPIRE', fkey, ttl)
redis.call('HSET', jobKey, 'state', 'running', 'fanout', 1)
redis.call('EXPIRE', jobKey, ttl)
fanoutRefill(stream, bytesKey, fkey, parent)
return 1
