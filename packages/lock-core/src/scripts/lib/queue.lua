-- The queue of a lock: one entry per waiting process, head first, `<token>|<ttl>|<deadline>|<client>`:
-- the token the lock is handed to, with `ttl` ms, and the client whose channel hears the grant. `deadline`
-- (server ms) says how long the entry counts as alive: the waiter refreshes it while it waits, and a
-- release skips entries past it, so a waiter that died without a goodbye is passed over.

-- findEntry(queueKey, token): the 0-based index and text of `token`'s entry, or nil.
local function findEntry(queueKey, token)
  local prefix = token .. '|'
  local entries = redis.call('LRANGE', queueKey, 0, -1)
  for i = 1, #entries do
    if string.sub(entries[i], 1, #prefix) == prefix then
      return i - 1, entries[i]
    end
  end
  return nil
end

-- place(queueKey, token, ttl, deadlineMs, client): refreshes `token`'s entry in place (it keeps its turn), or
-- queues it at the tail. A command sent twice (a client resending after a reconnect) leaves one entry.
local function place(queueKey, token, ttl, deadlineMs, client)
  local entry = token .. '|' .. ttl .. '|' .. string.format('%.0f', deadlineMs) .. '|' .. client
  local at = findEntry(queueKey, token)
  if at then
    redis.call('LSET', queueKey, at, entry)
  else
    redis.call('RPUSH', queueKey, entry)
  end
end

-- withdraw(queueKey, token): takes `token`'s entry out of the queue, if it is there.
local function withdraw(queueKey, token)
  local at, entry = findEntry(queueKey, token)
  if at then
    redis.call('LREM', queueKey, 1, entry)
  end
end

-- handoff(lockKey, fenceKey, queueKey, nowUs, publish, heard, selfToken, entry): pops entries (starting with
-- `entry` when the caller popped the head already) until one is alive, and hands it the lock: SET with its
-- ttl and a new fence. Unless it is `selfToken` (the caller, who learns it from the reply), the grant
-- `<token> <fence>` is published on its client's channel `<lockKey>:events:<client>` (it shares the lock's
-- hash tag, so SPUBLISH stays on the lock's shard). With `heard` = '1' a grant no subscriber received means
-- the waiter is gone (its process died, its connection dropped): it is skipped, its fence never used, and
-- the next one is served at once. Malformed and stale entries are dropped.
-- Returns token, fence; or nil when no live waiter was queued.
local function handoff(lockKey, fenceKey, queueKey, nowUs, publish, heard, selfToken, entry)
  local nowMs = math.floor(nowUs / 1000)
  while true do
    entry = entry or redis.call('LPOP', queueKey)
    if not entry then
      return nil
    end
    local token, ttl, deadline, client = string.match(entry, '^([^|]+)|(%d+)|(%d+)|([^|]+)$')
    if token and tonumber(deadline) >= nowMs then
      local fence = nextFence(fenceKey, nowUs)
      local granted = token == selfToken
      if not granted then
        -- %.0f: Lua's own `..` would print a 16-digit fence as 1.7651364001235e+15.
        local grant = token .. ' ' .. string.format('%.0f', fence)
        local receivers = redis.call(publish, lockKey .. ':events:' .. client, grant)
        granted = receivers > 0 or heard ~= '1'
      end
      if granted then
        redis.call('SET', lockKey, token, 'PX', ttl)
        return token, fence
      end
    end
    entry = nil
  end
end
