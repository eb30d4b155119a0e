-- Decides, for each delivered entry, whether to run it. A job whose result exists is only
-- acknowledged; so is a second submission of a job id another submission owns.
-- KEYS[1] stream; then per entry: job hash, result key
-- ARGV[1] group, ARGV[2] job-hash TTL (s); then per entry: entry id, submission token
-- Returns per entry 1 (run), 0 (finished already: acknowledged), -1 (duplicate: acknowledged).
local stream, group, ttl = KEYS[1], ARGV[1], ARGV[2]
local out = {}
for i = 1, (#KEYS - 1) / 2 do
  local jobKey, resultKey = KEYS[2 * i], KEYS[2 * i + 1]
  local entry, token = ARGV[2 * i + 1], ARGV[2 * i + 2]
  local finished = redis.call('EXISTS', resultKey) == 1
  local owner = (not finished) and redis.call('HGET', jobKey, 'token')
  if finished or (owner and owner ~= token) then
    redis.call('XACK', stream, group, entry)
    redis.call('XDEL', stream, entry)
    out[i] = finished and 0 or -1
  else
    redis.call('HSET', jobKey, 'token', token, 'state', 'running')
    redis.call('EXPIRE', jobKey, ttl)
    out[i] = 1
  end
end
return out
