-- A fan-out job's object is being probed: its hash says 'planning' (GET /jobs/{id}), and
-- cancel.lua may still call it back, until plan.lua records its plan.
-- KEYS[1] the job's hash; ARGV[1] the token of the delivery being planned
-- Returns 1 when marked.
if redis.call('HGET', KEYS[1], 'token') == ARGV[1] and redis.call('HGET', KEYS[1], 'state') == 'running' then
  redis.call('HSET', KEYS[1], 'state', 'planning')
  return 1
end
return 0
