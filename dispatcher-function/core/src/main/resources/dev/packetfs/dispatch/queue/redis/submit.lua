-- Queues jobs that are not known yet.
-- KEYS[1] stream; then per job: job hash, result key
-- ARGV[1] job-hash TTL (s); then per job: job JSON
-- Returns per job 1 (queued) or 0 (known: queued, running or finished).
local stream, ttl = KEYS[1], ARGV[1]
local out = {}
for i = 1, #ARGV - 1 do
  local jobKey, resultKey = KEYS[2 * i], KEYS[2 * i + 1]
  if redis.call('EXISTS', resultKey) == 1 or redis.call('EXISTS', jobKey) == 1 then
    out[i] = 0
  else
    -- 'checked': deduplicated here, so a dispatcher may start it before begin.lua answers.
    local id = redis.call('XADD', stream, '*', 'job', ARGV[i + 1], 'checked', '1')
    redis.call('HSET', jobKey, 'token', id, 'state', 'queued', 'attempts', 0)
    redis.call('EXPIRE', jobKey, ttl)
    out[i] = 1
  end
end
return out
