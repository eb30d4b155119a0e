-- Fan-out jobs (docs/jobs.md#fan-out): the rules every script that touches a parent shares.
-- Included (not run alone) by plan.lua, settle.lua and cancel.lua; the Java side of the same
-- rules is InMemoryFanOuts, and one contract test holds both to them.
--
-- A parent is the hash fanout:job:<id>: tpl (five pieces of window job JSON, WindowTemplate),
-- windows, start, end, window_bytes, object_bytes, op, cap (windows outstanding at once),
-- chained (1: fnv64, one window at a time), fnv_next (the state the next window starts from),
-- max_cost and est (10^-12 USD; max_cost -1: no budget), state (running, merging, failed,
-- cancelled, stopped), next (windows issued), done, bytes_done, cost, executions, hedges,
-- hedges_won, started_ms, error, and per substrate s:<name>:windows|bytes|cost|executions.
-- Its windows' answers are the hash fanout:windows:<id>, index -> result JSON; the first answer
-- of an index is the one kept.

local function fanoutNum(v)
  return tonumber(v) or 0
end

-- Queues the parent's next windows while it has room, or stops it when its budget leaves room
-- for none and nothing of it is running. A stopped, failed or finished parent gets a 'merge'
-- entry: whichever dispatcher takes it stores the parent's result.
local function fanoutRefill(stream, bytesKey, fkey, parent)
  local f = redis.call('HMGET', fkey, 'tpl', 'next', 'windows', 'start', 'end', 'window_bytes', 'done', 'cap',
    'chained', 'fnv_next', 'max_cost', 'est', 'cost')
  local nextIdx, windows, start, stop, wbytes = fanoutNum(f[2]), fanoutNum(f[3]), fanoutNum(f[4]), fanoutNum(f[5]), fanoutNum(f[6])
  local done, cap, chained, fnv = fanoutNum(f[7]), fanoutNum(f[8]), f[9] == '1', f[10] or ''
  local maxCost, est, cost = fanoutNum(f[11]), fanoutNum(f[12]), fanoutNum(f[13])
  local outstanding = nextIdx - done
  local room
  if chained then
    room = (outstanding == 0) and 1 or 0
  else
    room = cap - outstanding
  end
  room = math.min(room, windows - nextIdx)
  if maxCost >= 0 then
    local per = est
    if done > 0 and cost / done > per then
      per = cost / done
    end
    if per > 0 then
      room = math.min(room, math.floor((maxCost - cost) / per) - outstanding)
    end
  end
  if room <= 0 and outstanding == 0 and nextIdx < windows then
    redis.call('HSET', fkey, 'state', 'stopped')
    redis.call('XADD', stream, '*', 'merge', parent)
    return
  end
  if room <= 0 then
    return
  end
  local tpl = cjson.decode(f[1])
  local added = 0
  for _ = 1, room do
    local off = start + nextIdx * wbytes
    local len = math.min(wbytes, stop - off)
    local idx = string.format('%d', nextIdx)
    local fnvPart = ''
    if chained and fnv ~= '' then
      fnvPart = ',"fnv_state":"' .. fnv .. '"'
    end
    local json = tpl[1] .. idx .. tpl[2] .. string.format('%d', off) .. tpl[3] .. string.format('%d', len)
      .. fnvPart .. tpl[4] .. idx .. tpl[5]
    redis.call('XADD', stream, '*', 'job', json)
    added = added + #json
    nextIdx = nextIdx + 1
  end
  redis.call('HSET', fkey, 'next', nextIdx)
  if added > 0 then
    redis.call('INCRBY', bytesKey, added)
  end
end

-- One settled execution of a window, charged to its parent while the parent exists.
local function fanoutCharge(fkey, substrate, cost)
  if redis.call('EXISTS', fkey) == 0 then
    return
  end
  redis.call('HINCRBY', fkey, 'cost', cost)
  redis.call('HINCRBY', fkey, 'executions', 1)
  redis.call('HINCRBY', fkey, 's:' .. substrate .. ':cost', cost)
  redis.call('HINCRBY', fkey, 's:' .. substrate .. ':executions', 1)
end

-- A window's answer. The first for its index is kept and counted; the parent then queues more
-- windows, or, with every window in, is handed to a merge.
local function fanoutAnswer(stream, bytesKey, fkey, wkey, parent, idx, answer, bytes, substrate, hedge, nextFnv, ttl)
  if redis.call('HGET', fkey, 'state') ~= 'running' then
    return
  end
  if redis.call('HSETNX', wkey, idx, answer) == 0 then
    return
  end
  redis.call('EXPIRE', wkey, ttl)
  redis.call('EXPIRE', fkey, ttl)
  local done = redis.call('HINCRBY', fkey, 'done', 1)
  redis.call('HINCRBY', fkey, 'bytes_done', bytes)
  redis.call('HINCRBY', fkey, 's:' .. substrate .. ':windows', 1)
  redis.call('HINCRBY', fkey, 's:' .. substrate .. ':bytes', bytes)
  if hedge == '1' then
    redis.call('HINCRBY', fkey, 'hedges_won', 1)
  end
  if nextFnv ~= '' then
    redis.call('HSET', fkey, 'fnv_next', nextFnv)
  end
  if done >= fanoutNum(redis.call('HGET', fkey, 'windows')) then
    redis.call('HSET', fkey, 'state', 'merging')
    redis.call('XADD', stream, '*', 'merge', parent)
  else
    fanoutRefill(stream, bytesKey, fkey, parent)
  end
end

-- A window failed for good: its parent fails, unless it is a hedge or the window was answered.
local function fanoutFail(stream, fkey, wkey, parent, idx, hedge, err)
  if hedge == '1' or redis.call('HGET', fkey, 'state') ~= 'running' or redis.call('HEXISTS', wkey, idx) == 1 then
    return
  end
  redis.call('HSET', fkey, 'state', 'failed', 'error', err)
  redis.call('XADD', stream, '*', 'merge', parent)
end
