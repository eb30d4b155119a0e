-- Settles deliveries: acknowledges each and, in the same atomic step, stores its result, queues
-- its retry or writes its dead letter, and records the execution that ended it (totals, recent
-- records, and the per-period series). A window of a fan-out job stores no result of its own: its
-- answer, and what it cost, go to its parent (fanout.lua).
--
-- KEYS[1] stream, KEYS[2] delayed set, KEYS[3] dead stream, KEYS[4] metrics list,
-- KEYS[5] set of stats keys, KEYS[6] queued-bytes counter, KEYS[7] this ten-second period's
-- series hash, KEYS[8] this minute's; then per delivery: job hash, result key, stats key, the
-- parent's fan-out record, its windows' answers (the last two unused for a job that is no window)
-- ARGV[1] group, ARGV[2] result TTL (s), ARGV[3] metrics kept, ARGV[4] job-hash TTL (s),
-- ARGV[5] dead letters kept, ARGV[6] and ARGV[7] how long the two series periods are kept (s);
-- then per delivery, 21 values: kind (done|retry|dead), entry id, payload (result JSON, or the
-- retry envelope), extra (retry delay in ms, or the dead letter as a JSON object), attempts,
-- execution record JSON, outcome (ok|fail|throttle, or empty when nothing ran), cost (10^-12
-- USD), bytes processed, latency (ms), bytes of the job's JSON (released from the quota when the
-- job leaves the queue), substrate, latency bucket (LatencyHistogram), and for a window: parent
-- id ('' for no window), window index, hedge (1 or 0), its answer (the result object, '' when it
-- failed), the error its parent fails with, the state the next chained window starts from, the
-- plan the window belongs to, and whether it found its object changed (1 or 0).
-- A finished job is guarded by its result (SET NX: one result per job id, whoever stores it) and
-- acknowledged in one XACK for the batch; a retry, a dead letter and every settlement of a window
-- are guarded by their own XACK, so a replayed command or a second settlement of the same
-- delivery changes nothing.
-- Returns the number of deliveries whose outcome was recorded now.
-- include: fanout
local stream, delayed, dead, metrics, statsKeys, bytesKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local series10, series60 = KEYS[7], KEYS[8]
local group, resultTtl, metricsMax, jobTtl, deadKept = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5]
local series10Ttl, series60Ttl = ARGV[6], ARGV[7]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local settled = 0
local finishedEntries = {}
local records = {}
local stats = {}
local released = 0

local function writeDead(extra)
  local fields = {}
  for k, v in pairs(cjson.decode(extra)) do
    fields[#fields + 1] = k
    fields[#fields + 1] = v
  end
  -- The newest deadKept dead letters are kept, not every one forever. Exact, not '~':
  -- dead letters are rare, and '~' trims only whole nodes of a hundred entries.
  redis.call('XADD', dead, 'MAXLEN', deadKept, '*', unpack(fields))
end

local perDelivery = 5
local perArgs = 21
for i = 0, (#KEYS - 8) / perDelivery - 1 do
  local k = 9 + perDelivery * i
  local jobKey, resultKey, statsKey, fkey, wkey = KEYS[k], KEYS[k + 1], KEYS[k + 2], KEYS[k + 3], KEYS[k + 4]
  local a = 8 + perArgs * i
  local kind, entry, payload, extra = ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3]
  local attempts, record, outcome = ARGV[a + 4], ARGV[a + 5], ARGV[a + 6]
  local cost, jobBytes, substrate, bucket = tonumber(ARGV[a + 7]), tonumber(ARGV[a + 10]), ARGV[a + 11], ARGV[a + 12]
  local parent, idx, hedge, answer, werr, nextFnv = ARGV[a + 13], ARGV[a + 14], ARGV[a + 15], ARGV[a + 16],
    ARGV[a + 17], ARGV[a + 18]
  local plan, changed = ARGV[a + 19], ARGV[a + 20]
  local recorded = false
  if parent ~= '' then
    -- A window (or a hedge of one).
    if redis.call('XACK', stream, group, entry) == 1 then
      redis.call('XDEL', stream, entry)
      recorded = true
      if outcome ~= '' then
        fanoutCharge(fkey, substrate, cost)
      end
      if kind == 'retry' then
        redis.call('ZADD', delayed, now + tonumber(extra), payload)
        redis.call('HSET', jobKey, 'state', 'retrying', 'attempts', attempts)
        redis.call('EXPIRE', jobKey, jobTtl)
      else
        released = released + jobBytes
        redis.call('DEL', jobKey)
        if kind == 'dead' then
          writeDead(extra)
        end
        if answer ~= '' then
          fanoutAnswer(stream, bytesKey, fkey, wkey, parent, idx, plan, answer, tonumber(ARGV[a + 8]), substrate, hedge,
            nextFnv, resultTtl)
        else
          fanoutFail(stream, bytesKey, fkey, wkey, parent, idx, plan, hedge, werr, changed)
        end
      end
    end
  elseif kind == 'done' then
    if redis.call('SET', resultKey, payload, 'NX', 'EX', resultTtl) then
      finishedEntries[#finishedEntries + 1] = entry
      redis.call('DEL', jobKey)
      recorded = true
      released = released + jobBytes
    elseif redis.call('XACK', stream, group, entry) == 1 then
      -- A result was stored first (the job was cancelled, or another delivery of the same entry
      -- finished it): this entry was still pending, so its bytes still count; they leave now.
      redis.call('XDEL', stream, entry)
      released = released + jobBytes
    end
  elseif redis.call('XACK', stream, group, entry) == 1 then
    redis.call('XDEL', stream, entry)
    recorded = true
    if kind == 'retry' then
      redis.call('ZADD', delayed, now + tonumber(extra), payload)
      redis.call('HSET', jobKey, 'state', 'retrying', 'attempts', attempts)
      redis.call('EXPIRE', jobKey, jobTtl)
    else
      writeDead(extra)
      released = released + jobBytes
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
        s = {name = substrate, executions = 0, successes = 0, failures = 0, throttled = 0, cost_pico_usd = 0,
          bytes = 0, latency_ms = 0, hist = {}}
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
      s.cost_pico_usd = s.cost_pico_usd + cost
      s.bytes = s.bytes + tonumber(ARGV[a + 8])
      s.latency_ms = s.latency_ms + tonumber(ARGV[a + 9])
      s.hist[bucket] = (s.hist[bucket] or 0) + 1
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
-- Totals since the start, and the same per period for the series: short names there, since a
-- period's hash holds every substrate's fields.
local short = {executions = 'e', successes = 's', failures = 'f', throttled = 't', bytes = 'b', cost_pico_usd = 'c',
  latency_ms = 'l'}
local anySeries = false
for key, s in pairs(stats) do
  for field, value in pairs(s) do
    if short[field] and value ~= 0 then
      redis.call('HINCRBY', key, field, value)
      redis.call('HINCRBY', series10, s.name .. '|' .. short[field], value)
      redis.call('HINCRBY', series60, s.name .. '|' .. short[field], value)
      anySeries = true
    end
  end
  for b, n in pairs(s.hist) do
    redis.call('HINCRBY', series10, s.name .. '|h' .. b, n)
    redis.call('HINCRBY', series60, s.name .. '|h' .. b, n)
    anySeries = true
  end
  redis.call('SADD', statsKeys, key)
end
if anySeries then
  redis.call('EXPIRE', series10, series10Ttl)
  redis.call('EXPIRE', series60, series60Ttl)
end
-- Batches of records keep LPUSH's argument list well under Lua's stack limit.
for i = 1, #records, 500 do
  redis.call('LPUSH', metrics, unpack(records, i, math.min(i + 499, #records)))
end
if #records > 0 then
  redis.call('LTRIM', metrics, 0, metricsMax - 1)
end
return settled
