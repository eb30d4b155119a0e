-- The drains running, as leases: who may start one, and when one may stop (docs/redis-keys.md#drains).
-- KEYS[1] drains (sorted set: drain id -> lease expiry, ms of the server's clock), KEYS[2] ingress
-- list, KEYS[3] moving list, KEYS[4] stream, KEYS[5] delayed set
-- ARGV[1] what to do:
--   'start' ARGV[2] id, ARGV[3] start lease ms, ARGV[4] most drains, ARGV[5] jobs per drain:
--           holds a lease for a drain about to be started when fewer than the most drains run and
--           the jobs waiting are more than jobs-per-drain for each one running (any, when none runs)
--   'join'  ARGV[2] id, ARGV[3] lease ms, ARGV[4] most drains: a drain the schedule started takes
--           a lease when fewer than the most drains run (or renews its own)
--   'renew' ARGV[2] id, ARGV[3] lease ms: a running drain keeps its lease
--   'stop'  ARGV[2] id, ARGV[3] lease ms: a drain idle for its idle-stop gives its lease up when no
--           job waits (none queued, none to be moved in, no retry pending); else it keeps it
--   'cancel' ARGV[2] id: a drain that could not be started gives its lease up
--   'look'  changes nothing
-- Returns {1 done | 0 not, drains holding a lease now, jobs waiting}. Uses the server's clock.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local op, id = ARGV[1], ARGV[2]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)

local function waiting()
  local n = redis.call('LLEN', KEYS[2]) + redis.call('LLEN', KEYS[3])
  local ok, pending = pcall(redis.call, 'XPENDING', KEYS[4], 'dispatchers')
  local delivered = (ok and type(pending) == 'table') and tonumber(pending[1]) or 0
  return n + redis.call('XLEN', KEYS[4]) - delivered
end

if op == 'look' then
  return {1, redis.call('ZCARD', KEYS[1]), waiting()}
end
if op == 'cancel' then
  redis.call('ZREM', KEYS[1], id)
  return {1, redis.call('ZCARD', KEYS[1]), waiting()}
end
if op == 'renew' then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), id)
  return {1, redis.call('ZCARD', KEYS[1]), waiting()}
end
if op == 'stop' then
  local jobs = waiting() + redis.call('ZCARD', KEYS[5])
  if jobs > 0 then
    redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), id)
    return {0, redis.call('ZCARD', KEYS[1]), jobs}
  end
  redis.call('ZREM', KEYS[1], id)
  return {1, redis.call('ZCARD', KEYS[1]), 0}
end
local running = redis.call('ZCARD', KEYS[1])
if op == 'join' then
  if redis.call('ZSCORE', KEYS[1], id) or running < tonumber(ARGV[4]) then
    redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), id)
    return {1, redis.call('ZCARD', KEYS[1]), waiting()}
  end
  return {0, running, waiting()}
end
if op == 'start' then
  local jobs = waiting()
  if running < tonumber(ARGV[4]) and jobs > running * tonumber(ARGV[5]) then
    redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), id)
    return {1, running + 1, jobs}
  end
  return {0, running, jobs}
end
return redis.error_reply('drains.lua: unknown operation ' .. tostring(op))
