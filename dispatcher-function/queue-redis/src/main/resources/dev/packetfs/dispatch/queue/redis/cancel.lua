-- DELETE /jobs/{id}. A fan-out job in progress starts no more windows and is handed to a merge
-- entry, which stores its result (cancelled, with what its windows did). A job queued and not yet
-- delivered leaves the stream now, with its cancelled result; one waiting to be retried gets its
-- result now, and its retry is dropped when it is next taken; so does a fan-out job still being
-- planned. A job delivered to a dispatcher
-- (even one that has not begun it) is running, and is not called back.
-- KEYS[1] stream, KEYS[2] job hash, KEYS[3] result key, KEYS[4] fan-out record, KEYS[5] queued-bytes
-- counter
-- ARGV[1] job id, ARGV[2] the cancelled result JSON, ARGV[3] result TTL (s), ARGV[4] group
-- Returns 'cancelling', 'cancelled', 'running', 'finished' or 'unknown'.
local stream, jobKey, resultKey, fkey, bytesKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local state = redis.call('HGET', fkey, 'state')
if state then
  -- 'restarting': its restart is queued; plan.lua finds it cancelled and plans nothing.
  if state ~= 'running' and state ~= 'restarting' then
    return 'finished'
  end
  redis.call('HSET', fkey, 'state', 'cancelled')
  redis.call('XADD', stream, '*', 'merge', ARGV[1])
  return 'cancelling'
end
if redis.call('EXISTS', resultKey) == 1 then
  return 'finished'
end
local job = redis.call('HGET', jobKey, 'state')
if not job then
  return 'unknown'
end
if job == 'running' then
  return 'running'
end
-- 'planning': a fan-out job whose object is being probed; plan.lua finds the result and plans nothing.
-- A queued job's token is its stream entry (submit.lua, requeue.lua).
local token = redis.call('HGET', jobKey, 'token')
if job == 'queued' and token and string.match(token, '^%d+%-%d+$') then
  if #redis.call('XPENDING', stream, ARGV[4], token, token, 1) > 0 then
    return 'running'
  end
  local e = redis.call('XRANGE', stream, token, token)
  if #e > 0 then
    local fields = e[1][2]
    for i = 1, #fields, 2 do
      if fields[i] == 'job' then
        redis.call('DECRBY', bytesKey, #fields[i + 1])
      end
    end
    redis.call('XDEL', stream, token)
  end
end
redis.call('SET', resultKey, ARGV[2], 'NX', 'EX', ARGV[3])
redis.call('DEL', jobKey)
return 'cancelled'
