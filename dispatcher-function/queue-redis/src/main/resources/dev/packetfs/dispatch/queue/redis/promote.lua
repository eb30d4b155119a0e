-- Moves retries whose time has come from the delayed set back into the stream.
-- KEYS[1] delayed set, KEYS[2] stream
-- ARGV[1] most retries to move
-- Returns {moved, ms until the next retry is due (-1: none waiting)}. Uses the server's clock, so
-- dispatchers with skewed clocks agree on when a retry is due.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
for _, envelope in ipairs(due) do
  redis.call('XADD', KEYS[2], '*', 'envelope', envelope)
  redis.call('ZREM', KEYS[1], envelope)
end
local nextDue = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local wait = -1
if #nextDue == 2 then
  wait = math.max(0, tonumber(nextDue[2]) - now)
end
return {#due, wait}
