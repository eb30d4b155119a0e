-- Queues jobs that are not known yet, within the queue's quota.
-- KEYS[1] stream, KEYS[2] delayed set, KEYS[3] queued-bytes counter; then per job: job hash, result key
-- ARGV[1] job-hash TTL (s), ARGV[2] most jobs queued, ARGV[3] most bytes of job JSON queued;
-- then per job: job JSON
-- Returns per job 1 (queued) or 0 (known: queued, running or finished); or, when the new jobs
-- would take the queue past its quota, {-2, jobs queued, bytes queued} and nothing is queued.
local stream, delayed, bytesKey = KEYS[1], KEYS[2], KEYS[3]
local ttl, maxJobs, maxBytes = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local n = #ARGV - 3
local known = {}
local newJobs, newBytes = 0, 0
for i = 1, n do
  local jobKey, resultKey = KEYS[2 + 2 * i], KEYS[3 + 2 * i]
  known[i] = redis.call('EXISTS', resultKey) == 1 or redis.call('EXISTS', jobKey) == 1
  if not known[i] then
    newJobs = newJobs + 1
    newBytes = newBytes + #ARGV[3 + i]
  end
end
if newJobs > 0 then
  local jobs = redis.call('XLEN', stream) + redis.call('ZCARD', delayed)
  local bytes = math.max(0, tonumber(redis.call('GET', bytesKey) or '0'))
  if jobs + newJobs > maxJobs or bytes + newBytes > maxBytes then
    return {-2, jobs, bytes}
  end
end
local out = {}
for i = 1, n do
  local jobKey = KEYS[2 + 2 * i]
  if known[i] then
    out[i] = 0
  else
    -- 'checked': deduplicated here, so a dispatcher may start it before begin.lua answers.
    local id = redis.call('XADD', stream, '*', 'job', ARGV[3 + i], 'checked', '1')
    redis.call('HSET', jobKey, 'token', id, 'state', 'queued', 'attempts', 0)
    redis.call('EXPIRE', jobKey, ttl)
    out[i] = 1
  end
end
if newBytes > 0 then
  redis.call('INCRBY', bytesKey, newBytes)
end
return out
