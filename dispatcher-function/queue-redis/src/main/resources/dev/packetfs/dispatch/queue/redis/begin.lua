-- Decides, for each delivered entry, whether to run it. A job whose result exists is only
-- acknowledged; so is a second submission of a job id another submission owns, and a window of a
-- fan-out job that is no longer wanted (its parent is not running, runs another plan since its
-- object changed, or the window is answered).
-- KEYS[1] stream, KEYS[2] queued-bytes counter; then per entry: job hash, result key, the
-- parent's fan-out record and its windows' answers (for a job that is not a window: unused names)
-- ARGV[1] group, ARGV[2] job-hash TTL (s); then per entry: entry id, submission token, bytes of
-- its job JSON (released from the quota when the entry is dropped here), parent id ('' for a job
-- that is not a window), window index, the plan the window belongs to
-- Returns per entry 1 (run), 0 (finished already, or a window not wanted: acknowledged), -1
-- (duplicate: acknowledged).
local stream, bytesKey, group, ttl = KEYS[1], KEYS[2], ARGV[1], ARGV[2]
local out = {}
local released = 0
for i = 1, (#KEYS - 2) / 4 do
  local jobKey, resultKey, fkey, wkey = KEYS[4 * i - 1], KEYS[4 * i], KEYS[4 * i + 1], KEYS[4 * i + 2]
  local a = 3 + 6 * (i - 1)
  local entry, token, bytes, parent, idx = ARGV[a], ARGV[a + 1], tonumber(ARGV[a + 2]), ARGV[a + 3], ARGV[a + 4]
  local unwanted = false
  if parent ~= '' then
    local f = redis.call('HMGET', fkey, 'state', 'plan')
    unwanted = f[1] ~= 'running' or (f[2] or '0') ~= ARGV[a + 5] or redis.call('HEXISTS', wkey, idx) == 1
  end
  -- The usual case costs one read: the job's hash names this submission. Finishing a job
  -- deletes its hash in the same step that stores its result, so an owned hash means no result.
  local owner = (not unwanted) and redis.call('HGET', jobKey, 'token')
  local finished = unwanted or ((not owner) and redis.call('EXISTS', resultKey) == 1)
  if finished or (owner and owner ~= token) then
    if redis.call('XACK', stream, group, entry) == 1 then
      released = released + bytes
    end
    redis.call('XDEL', stream, entry)
    if unwanted then
      redis.call('DEL', jobKey)
    end
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
