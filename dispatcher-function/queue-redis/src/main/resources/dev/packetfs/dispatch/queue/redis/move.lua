-- Moves raw jobs from the ingress list (what redis-cli users LPUSH) into the stream, atomically,
-- so a job is in exactly one of the two at every instant. Past the queue's quota it moves nothing
-- more: the jobs wait in the ingress list, nothing is lost, and they move once the queue drains.
-- KEYS[1] ingress list, KEYS[2] moving list (jobs a mover took with BLMOVE), KEYS[3] stream,
-- KEYS[4] delayed set, KEYS[5] queued-bytes counter
-- ARGV[1] most jobs to move, ARGV[2] most jobs queued, ARGV[3] most bytes of job JSON queued
-- Returns {moved, full}: full is 1 when the quota stopped the move with jobs left in the list.
local ingress, moving, stream, delayed, bytesKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local batch, maxJobs, maxBytes = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local jobs = redis.call('XLEN', stream) + redis.call('ZCARD', delayed)
local bytes = math.max(0, tonumber(redis.call('GET', bytesKey) or '0'))
local moved, movedBytes = 0, 0
local function roomFor(raw)
  -- An empty queue takes any one job, or a job larger than the byte quota would block the list.
  return moved < batch and jobs < maxJobs and (bytes + #raw <= maxBytes or jobs == 0)
end
local function add(raw)
  redis.call('XADD', stream, '*', 'job', raw)
  moved = moved + 1
  jobs = jobs + 1
  bytes = bytes + #raw
  movedBytes = movedBytes + #raw
end
-- Jobs a mover took with BLMOVE, oldest last. Those the quota has no room for go back to the
-- ingress list's old end, newest first, so the oldest is taken first again.
local taken = redis.call('LRANGE', moving, 0, -1)
local back = {}
for i = #taken, 1, -1 do
  if #back == 0 and roomFor(taken[i]) then
    add(taken[i])
  else
    table.insert(back, 1, taken[i])
  end
end
for i = 1, #back do
  redis.call('RPUSH', ingress, back[i])
end
if #taken > 0 then
  redis.call('DEL', moving)
end
local full = #back > 0 and 1 or 0
while full == 0 and moved < batch do
  local raw = redis.call('LINDEX', ingress, -1)
  if not raw then
    break
  end
  if not roomFor(raw) then
    full = 1
    break
  end
  redis.call('RPOP', ingress)
  add(raw)
end
if movedBytes > 0 then
  redis.call('INCRBY', bytesKey, movedBytes)
end
return {moved, full}
