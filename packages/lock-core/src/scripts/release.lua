-- release: give up the lock if the caller holds it, handing it straight to the first live waiter.
-- KEYS[1] lock, KEYS[2] fence, KEYS[3] queue   as in acquire.lua
-- ARGV[1] token         the caller's token
-- ARGV[2] now           wall-clock ms, to skip stale waiters
-- ARGV[3] publish       PUBLISH or SPUBLISH (see acquire.lua)
-- ARGV[4] requeue       absent, '' or an entry to push before handing on: the caller's next local waiter,
--                       queued behind the others so one busy process cannot keep the lock
-- ARGV[5] leave         absent, '' or an entry to remove from the queue (a waiter that gave up), held or not
-- Returns 1              released; no live waiter, so the lock is free
--         {1, token, fence}  released and handed to `token` with `fence`
--         0              the caller did not hold the lock; nothing else changed (but ARGV[5] left)
local lockKey, fenceKey, queueKey = KEYS[1], KEYS[2], KEYS[3]
local token, requeue, leave = ARGV[1], ARGV[4] or '', ARGV[5] or ''

if leave ~= '' then
  redis.call('LREM', queueKey, 1, leave)
end
if redis.call('GET', lockKey) ~= token then
  return 0
end
-- Nobody queued (the common case): done before the handoff function is even defined.
local head = requeue == '' and redis.call('LPOP', queueKey)
if requeue == '' and not head then
  redis.call('DEL', lockKey)
  return 1
end

--!include lib/handoff.lua
local self = ''
if requeue ~= '' then
  redis.call('RPUSH', queueKey, requeue)
  self = string.match(requeue, '^([^|]+)')
end
local next, fence = handoff(lockKey, fenceKey, queueKey, tonumber(ARGV[2]), ARGV[3], self, head)
if next then
  return {1, next, fence}
end
redis.call('DEL', lockKey)
return 1
