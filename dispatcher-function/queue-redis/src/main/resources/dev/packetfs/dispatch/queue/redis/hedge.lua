-- Queues a duplicate of a late window of a fan-out job (its hedge), when the rules allow: the
-- parent is running, at least the given share of its windows is done, the window is not, and it
-- has not been hedged before. Either answer completes the window; the other is only charged.
-- KEYS[1] stream, KEYS[2] queued-bytes counter, KEYS[3] fan-out record, KEYS[4] windows' answers
-- ARGV[1] window index, ARGV[2] the hedge's retry envelope, ARGV[3] bytes of its job JSON,
-- ARGV[4] the share of windows that must be done (0..1), ARGV[5] the plan the window belongs to
-- Returns 1 when queued, 0 when not.
local stream, bytesKey, fkey, wkey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local idx = ARGV[1]
local s = redis.call('HMGET', fkey, 'state', 'plan')
if s[1] ~= 'running' or (s[2] or '0') ~= ARGV[5] or redis.call('HEXISTS', wkey, idx) == 1 then
  return 0
end
local f = redis.call('HMGET', fkey, 'done', 'windows')
if tonumber(f[1]) < tonumber(ARGV[4]) * tonumber(f[2]) then
  return 0
end
if redis.call('HSETNX', fkey, 'h:' .. ARGV[5] .. ':' .. idx, 1) == 0 then
  return 0
end
redis.call('XADD', stream, '*', 'envelope', ARGV[2])
redis.call('INCRBY', bytesKey, ARGV[3])
redis.call('HINCRBY', fkey, 'hedges', 1)
return 1
