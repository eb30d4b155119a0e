-- Fan-out jobs (docs/jobs.md#fan-out): the rules every script that touches a parent shares.
-- Included (not run alone) by plan.lua, settle.lua and cancel.lua. The rules are written once,
-- in Java (FanOutRules); these are held to them by the table of cases generated from it
-- (fanout-cases.json, replayed by FanOutCasesContract): change a rule there first.
--
-- A parent is the hash fanout:job:<id>: tpl (five pieces of window job JSON, WindowTemplate),
-- windows, start, end, window_bytes, object_bytes, op, cap (windows outstanding at once),
-- chained (1: fnv64, one window at a time), fnv_next (the state the next window starts from),
-- max_cost and est (10^-12 USD; max_cost -1: no budget), version (the object's version its
-- windows are read from, JSON; '' for none), plan (0, or the restart whose windows count now),
-- restarts, max_restarts (0 unless on_change is restart), job and token (the parent as submitted,
-- to queue it again for a restart), state (running, merging, restarting, failed, changed,
-- cancelled, stopped), next (windows issued), done, bytes_done, cost, executions, hedges,
-- hedges_won, started_ms, error, per substrate s:<name>:windows|bytes|cost|executions, and
-- h:<plan>:<index> for each window hedged.
-- Its windows' answers are the hash fanout:windows:<id>, index -> result JSON; the first answer
-- of an index is the one kept. A window of another plan than the record's is charged, and
-- otherwise ignored.

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

-- Whether a window of plan `plan` still counts: its parent runs that plan.
local function fanoutCurrent(fkey, plan)
  local f = redis.call('HMGET', fkey, 'state', 'plan')
  return f[1] == 'running' and (f[2] or '0') == plan
end

-- A window's answer. The first for its index is kept and counted; the parent then queues more
-- windows, or, with every window in, is handed to a merge.
local function fanoutAnswer(stream, bytesKey, fkey, wkey, parent, idx, plan, answer, bytes, substrate, hedge, nextFnv, ttl)
  if not fanoutCurrent(fkey, plan) then
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

-- The parent's object changed and it may be planned again: its plan and answers are forgotten
-- (what it spent is kept), and the parent is queued as a restart envelope (Envelope.restart), which
-- a dispatcher plans against the object's new version; plan.lua takes it from there.
local function fanoutRestart(stream, bytesKey, fkey, wkey)
  local restarts = redis.call('HINCRBY', fkey, 'restarts', 1)
  redis.call('DEL', wkey)
  local drop = {}
  for _, field in ipairs(redis.call('HKEYS', fkey)) do
    if string.match(field, '^s:.*:windows$') or string.match(field, '^s:.*:bytes$') then
      drop[#drop + 1] = field
    end
  end
  if #drop > 0 then
    redis.call('HDEL', fkey, unpack(drop))
  end
  redis.call('HSET', fkey, 'state', 'restarting', 'next', 0, 'done', 0, 'bytes_done', 0, 'hedges_won', 0)
  local f = redis.call('HMGET', fkey, 'job', 'token')
  local envelope = cjson.encode({job = f[1], token = f[2], attempts = 0, throttles = 0, errors = {}, avoid = {},
    cost = 0, restarts = restarts})
  redis.call('XADD', stream, '*', 'envelope', envelope)
  redis.call('INCRBY', bytesKey, #f[1])
end

-- A window failed for good: its parent fails, unless it is a hedge or the window was answered.
-- A window that found its object changed (changed '1') ends the parent as 'changed', or plans it
-- again while its on_change allows.
local function fanoutFail(stream, bytesKey, fkey, wkey, parent, idx, plan, hedge, err, changed)
  if hedge == '1' or not fanoutCurrent(fkey, plan) or redis.call('HEXISTS', wkey, idx) == 1 then
    return
  end
  if changed == '1' then
    local f = redis.call('HMGET', fkey, 'restarts', 'max_restarts')
    if fanoutNum(f[1]) < fanoutNum(f[2]) then
      redis.call('HSET', fkey, 'error', err)
      fanoutRestart(stream, bytesKey, fkey, wkey)
      return
    end
    redis.call('HSET', fkey, 'state', 'changed', 'error', err)
  else
    redis.call('HSET', fkey, 'state', 'failed', 'error', err)
  end
  redis.call('XADD', stream, '*', 'merge', parent)
end
