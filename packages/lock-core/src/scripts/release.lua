-- release: give up the lock if the caller holds it, handing it straight to the first live waiter.
-- KEYS[1] lock, KEYS[2] fence, KEYS[3] queue   as in acquire.lua
-- ARGV[1] token    the caller's token
-- ARGV[2] publish  PUBLISH or SPUBLISH (see acquire.lua)
-- ARGV[3] heard    as in acquire.lua
-- ARGV[4] fence    absent or '': any; else release only the holder of this fence (an owner lease's token is
--                  the instance id, the same for each of its terms: a stale grant must not free a newer term)
-- ARGV[5] leave    absent or '': else a token whose entry to take out of the queue (a waiter that gave up)
-- ARGV[6] requeue  absent or '': else the token of the caller's next local waiter, queued behind the others
--                  before the lock is handed on (so one busy process cannot keep the lock), with
-- ARGV[7] ttl, ARGV[8] client, ARGV[9] live   its entry's fields (see acquire.lua)
-- Returns 1                 released; no live waiter, so the lock is free
--         {1, token, fence} released and handed to `token` with `fence`
--         0                 the caller did not hold the lock; nothing else changed (but ARGV[4] left)
local lockKey, fenceKey, queueKey = KEYS[1], KEYS[2], KEYS[3]
local token, fence, leave, requeue = ARGV[1], ARGV[4] or '', ARGV[5] or '', ARGV[6] or ''

-- The common release, held and nobody queued, is done before any function is even defined.
local holds = redis.call('GET', lockKey) == token and (fence == '' or redis.call('GET', fenceKey) == fence)
local head = false
if holds and leave == '' and requeue == '' then
  head = redis.call('LPOP', queueKey)
  if not head then
    redis.call('DEL', lockKey)
    return 1
  end
end

--!include lib/fence.lua
--!include lib/queue.lua
if leave ~= '' then
  withdraw(queueKey, leave)
end
if not holds then
  return 0
end
if not head and requeue == '' then
  head = redis.call('LPOP', queueKey)
  if not head then
    redis.call('DEL', lockKey)
    return 1
  end
end

local nowUs = serverTime()
if requeue ~= '' then
  place(queueKey, requeue, ARGV[7], math.floor(nowUs / 1000) + tonumber(ARGV[9]), ARGV[8])
end
local next, handedFence = handoff(lockKey, fenceKey, queueKey, nowUs, ARGV[2], ARGV[3], requeue, head)
if next then
  return {1, next, handedFence}
end
redis.call('DEL', lockKey)
return 1
