-- Moves raw jobs from the ingress list (what redis-cli users LPUSH) into the stream, atomically,
-- so a job is in exactly one of the two at every instant.
-- KEYS[1] ingress list, KEYS[2] moving list (jobs a mover took with BLMOVE), KEYS[3] stream
-- ARGV[1] most jobs to move
-- Returns the number moved.
local moved = 0
local taken = redis.call('LRANGE', KEYS[2], 0, -1)
-- BLMOVE pushed them on the left, so the oldest is last.
for i = #taken, 1, -1 do
  redis.call('XADD', KEYS[3], '*', 'job', taken[i])
  moved = moved + 1
end
if #taken > 0 then
  redis.call('DEL', KEYS[2])
end
local room = tonumber(ARGV[1]) - moved
if room > 0 then
  local items = redis.call('RPOP', KEYS[1], room)
  if items then
    for _, raw in ipairs(items) do
      redis.call('XADD', KEYS[3], '*', 'job', raw)
      moved = moved + 1
    end
  end
end
return moved
