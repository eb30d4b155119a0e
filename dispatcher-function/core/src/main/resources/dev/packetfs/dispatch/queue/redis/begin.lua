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
  -- The usual case costs one read: the job's hash names this submission. Finishing a job
  -- deletes its hash in the same step that stores its result, so an owned hash means no result.
  local owner = redis.call('HGET', jobKey, 'token')
  local finished = (not owner) and redis.call('EXISTS', resultKey) == 1
  if finished or (owner and owner ~= token) then
    redis.call('XACK', stream, group, entry)
    redis.call('XDEL', stream, entry)
    out[i] = finished and 0 or -1
  else
    -- HSET counts new fields: only a hash created here (a job that came by LPUSH) needs a TTL.
    if redis.call('HSET', jobKey, 'token', token, 'state', 'running') > 0 then
      redis.call('EXPIRE', jobKey, ttl)
    end
    out[i] = 1
  end
end
return out
