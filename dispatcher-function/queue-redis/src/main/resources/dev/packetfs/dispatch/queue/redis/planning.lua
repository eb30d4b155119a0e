-- A fan-out job's object is being probed: its hash says 'planning' (GET /jobs/{id}), and
-- cancel.lua may still call it back, until plan.lua records its plan; or it runs as one job
-- after all, and says 'running' again.
-- KEYS[1] the job's hash; ARGV[1] the token of the delivery being planned, ARGV[2] the state it
-- must be in, ARGV[3] the state it gets
-- Returns 1 when changed, 0 when owned and left as it was, -1 when the delivery no longer owns
-- the job (it was cancelled meanwhile).
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then
  return -1
end
if redis.call('HGET', KEYS[1], 'state') == ARGV[2] then
  redis.call('HSET', KEYS[1], 'state', ARGV[3])
  return 1
end
return 0
