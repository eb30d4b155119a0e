-- Settles deliveries: acknowledges each and, in the same atomic step, stores its result, queues
-- its retry or writes its dead letter, and records the execution that ended it.
--
-- KEYS[1] stream, KEYS[2] delayed set, KEYS[3] dead stream, KEYS[4] metrics list,
-- KEYS[5] set of stats keys, KEYS[6] queued-bytes counter; then per delivery: job hash, result
-- key, stats key
-- ARGV[1] group, ARGV[2] result TTL (s), ARGV[3] metrics kept, ARGV[4] job-hash TTL (s),
-- ARGV[5] dead letters kept; then per delivery, 11 values: kind
-- (done|retry|dead), entry id, payload (result JSON, or the retry envelope), extra (retry delay in
-- ms, or the dead letter as a JSON object), attempts, execution record JSON, outcome
-- (ok|fail|throttle, or empty when nothing ran), cost (10^-12 USD), bytes processed, latency (ms),
-- bytes of the job's JSON (released from the quota when the job leaves the queue)
-- A finished job is guarded by its result (SET NX: one result per job id, whoever stores it) and
-- acknowledged in one XACK for the batch; a retry or dead letter is guarded by its own XACK,
-- so a replayed command or a second settlement of the same delivery changes nothing.
-- Returns the number of deliveries whose outcome was recorded now.
local stream, delayed, dead, metrics, statsKeys, bytesKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local group, resultTtl, metricsMax, jobTtl, deadKept = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local settled = 0
local finishedEntries = {}
local records = {}
local stats = {}
local released = 0
for i = 0, (#KEYS - 6) / 3 - 1 do
  local jobKey, resultKey, statsKey = KEYS[7 + 3 * i], KEYS[8 + 3 * i], KEYS[9 + 3 * i]
  local a = 6 + 11 * i
  local kind, entry, payload, extra = ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3]
  local attempts, record, outcome = ARGV[a + 4], ARGV[a + 5], ARGV[a + 6]
  local recorded = false
  if kind == 'done' then
    finishedEntries[#finishedEntries + 1] = entry
    if redis.call('SET', resultKey, payload, 'NX', 'EX', resultTtl) then
      redis.call('DEL', jobKey)
      recorded = true
      released = released + tonumber(ARGV[a + 10])
    end
  elseif redis.call('XACK', stream, group, entry) == 1 then
    redis.call('XDEL', stream, entry)
    recorded = true
    if kind == 'retry' then
      redis.call('ZADD', delayed, now + tonumber(extra), payload)
      redis.call('HSET', jobKey, 'state', 'retrying', 'attempts', attempts)
      redis.call('EXPIRE', jobKey, jobTtl)
    else
      local fields = {}
      for k, v in pairs(cjson.decode(extra)) do
        fields[#fields + 1] = k
        fields[#fields + 1] = v
      end
      -- The newest deadKept dead letters are kept, not every one forever. Exact, not '~':
      -- dead letters are rare, and '~' trims only whole nodes of a hundred entries.
      redis.call('XADD', dead, 'MAXLEN', deadKept, '*', unpack(fields))
      released = released + tonumber(ARGV[a + 10])
      if payload ~= '' then
        redis.call('SET', resultKey, payload, 'NX', 'EX', resultTtl)
      end
      redis.call('DEL', jobKey)
    end
  end
  if recorded then
    settled = settled + 1
    if outcome ~= '' then
      records[#records + 1] = record
      local s = stats[statsKey]
      if not s then
        s = {executions = 0, successes = 0, failures = 0, throttled = 0, cost_pico_usd = 0, bytes = 0, latency_ms = 0}
        stats[statsKey] = s
      end
      s.executions = s.executions + 1
      if outcome == 'ok' then
        s.successes = s.successes + 1
      elseif outcome == 'throttle' then
        s.throttled = s.throttled + 1
      else
        s.failures = s.failures + 1
      end
      s.cost_pico_usd = s.cost_pico_usd + tonumber(ARGV[a + 7])
      s.bytes = s.bytes + tonumber(ARGV[a + 8])
      s.latency_ms = s.latency_ms + tonumber(ARGV[a + 9])
    end
  end
end
-- One acknowledgement and one deletion for every finished job of the batch.
for i = 1, #finishedEntries, 500 do
  local last = math.min(i + 499, #finishedEntries)
  redis.call('XACK', stream, group, unpack(finishedEntries, i, last))
  redis.call('XDEL', stream, unpack(finishedEntries, i, last))
end
if released > 0 then
  redis.call('DECRBY', bytesKey, released)
end
for key, s in pairs(stats) do
  for field, value in pairs(s) do
    if value ~= 0 then
      redis.call('HINCRBY', key, field, value)
    end
  end
  redis.call('SADD', statsKeys, key)
end
-- Batches of records keep LPUSH's argument list well under Lua's stack limit.
for i = 1, #records, 500 do
  redis.call('LPUSH', metrics, unpack(records, i, math.min(i + 499, #records)))
end
if #records > 0 then
  redis.call('LTRIM', metrics, 0, metricsMax - 1)
end
return settled
