-- Decides, for each delivered entry, whether to run it. A job whose result exists is only
-- acknowledged; so is a second submission of a job id another submission owns.
-- KEYS[1] stream, KEYS[2] queued-bytes counter; then per entry: job hash, result key
-- ARGV[1] group, ARGV[2] job-hash TTL (s); then per entry: entry id, submission token, bytes of
-- its job JSON (released from the quota when the entry is dropped here)
-- Returns per entry 1 (run), 0 (finished already: acknowledged), -1 (duplicate: acknowledged).
local stream, bytesKey, group, ttl = KEYS[1], KEYS[2], ARGV[1], ARGV[2]
local out = {}
local released = 0
for i = 1, (#KEYS - 2) / 2 do
  local jobKey, resultKey = KEYS[1 + 2 * i], KEYS[2 + 2 * i]
  local entry, token, bytes = ARGV[3 * i], ARGV[3 * i + 1], tonumber(ARGV[3 * i + 2])
  -- The usual case costs one read: the job's hash names this submission. Finishing a job
  -- deletes its hash in the same step that stores its result, so an owned hash means no result.
  local owner = redis.call('HGET', jobKey, 'token')
  local finished = (not owner) and redis.call('EXISTS', resultKey) == 1
  if finished or (owner and owner ~= token) then
    if redis.call('XACK', stream, group, entry) == 1 then
      released = released + bytes
    end
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
if released > 0 then
  redis.call('DECRBY', bytesKey, released)
end
return out
