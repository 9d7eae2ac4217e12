-- handoff(lockKey, fenceKey, queueKey, now, publish, selfToken, entry)
-- Pops waiters off the queue (starting with `entry` when the caller popped the head already) until one is alive (its entry's deadline, a wall-clock ms stamp the waiter
-- refreshes while it waits, is not past `now`), gives it the lock for the ttl it asked for, increments the
-- fence for it and publishes `<token> <fence>` on `<lockKey>:events:<client>`, the waiting client's own
-- channel (it shares the lock's hash tag, so SPUBLISH stays on the lock's shard), unless the new holder
-- is `selfToken` (the caller, who learns it from the reply).
-- Entries are `<token>|<ttl>|<deadline>|<client>`. Returns token, fence; or nil when no live waiter was queued.
local function handoff(lockKey, fenceKey, queueKey, now, publish, selfToken, entry)
  while true do
    entry = entry or redis.call('LPOP', queueKey)
    if not entry then
      return nil
    end
    local token, ttl, deadline, client = string.match(entry, '^([^|]+)|(%d+)|(%d+)|([^|]+)$')
    if token and tonumber(deadline) >= now then
      redis.call('SET', lockKey, token, 'PX', ttl)
      local fence = redis.call('INCR', fenceKey)
      if token ~= selfToken then
        redis.call(publish, lockKey .. ':events:' .. client, token .. ' ' .. fence)
      end
      return token, fence
    end
    entry = nil
  end
end
