-- release: give up the lock if the caller holds it, handing it straight to the first live waiter.
-- KEYS[1] lock, KEYS[2] fence, KEYS[3] queue   as in acquire.lua
-- ARGV[1] token         the caller's token
-- ARGV[2] now           wall-clock ms, to skip stale waiters
-- ARGV[3] channel       the lock's channel prefix (see acquire.lua)
-- ARGV[4] publish       PUBLISH or SPUBLISH
-- ARGV[5] requeue       '' or an entry to push before handing on: the caller's next local waiter, queued
--                       behind the others so one busy process cannot keep the lock
-- ARGV[6] leave         '' or an entry to remove from the queue (a waiter that gave up), held or not
-- Returns {1, token, fence}  released and handed to `token` with `fence`
--         {1}                released; no live waiter, so the lock is free
--         {0}                the caller did not hold the lock; nothing else changed (but ARGV[6] left)
--!include lib/handoff.lua
local lockKey, fenceKey, queueKey = KEYS[1], KEYS[2], KEYS[3]
local token = ARGV[1]

if ARGV[6] ~= '' then
  redis.call('LREM', queueKey, 1, ARGV[6])
end
if redis.call('GET', lockKey) ~= token then
  return {0}
end
local self = ''
if ARGV[5] ~= '' then
  redis.call('RPUSH', queueKey, ARGV[5])
  self = string.match(ARGV[5], '^([^|]+)')
end
local next, fence = handoff(lockKey, fenceKey, queueKey, tonumber(ARGV[2]), ARGV[3], ARGV[4], self)
if next then
  return {1, next, fence}
end
redis.call('DEL', lockKey)
return {1}
