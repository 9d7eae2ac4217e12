-- acquire: take the lock if it is free and no live waiter is ahead; otherwise report how long it stays taken.
-- KEYS[1] lock          the holder's token, with PX expiry
-- KEYS[2] fence         counter, INCRed for every new holder
-- KEYS[3] queue         list of waiting entries `<token>|<ttl>|<deadline>|<client>`, head first
-- ARGV[1] token         the caller's token
-- ARGV[2] ttl           ms
-- ARGV[3] mode          0: one try; 1: on failure push ARGV[4]; 2: the caller may be queued as ARGV[5]:
--                       replace that entry in place by ARGV[4] (a refresh), or push ARGV[4] if it is gone
-- ARGV[4] entry         the caller's queue entry (modes 1, 2)
-- ARGV[5] old entry     the entry pushed before (mode 2)
-- ARGV[6] now           wall-clock ms, to skip waiters whose entries went stale
-- ARGV[7] channel       the lock's channel prefix; a waiter hears its grant on `<channel>:<client>`
-- ARGV[8] publish       PUBLISH, or SPUBLISH on a cluster
-- Returns {fence, ttl}    held by the caller now (taken, handed over earlier, or renewed when already ours)
--         {0, pttl, holder} not acquired: the holder's token and its remaining ms
--!include lib/handoff.lua
local lockKey, fenceKey, queueKey = KEYS[1], KEYS[2], KEYS[3]
local token, ttl, mode = ARGV[1], ARGV[2], ARGV[3]

local holder = redis.call('GET', lockKey)
if holder == token then
  redis.call('PEXPIRE', lockKey, ttl)
  -- A fence deleted from outside must not turn the holder's renewal into a refusal.
  return {tonumber(redis.call('GET', fenceKey)) or redis.call('INCR', fenceKey), tonumber(ttl)}
end

if not holder then
  if redis.call('LLEN', queueKey) == 0 then
    redis.call('SET', lockKey, token, 'PX', ttl)
    return {redis.call('INCR', fenceKey), tonumber(ttl)}
  end
  -- Free, but waiters are queued (the holder expired, or left no one to hand to): serve the head first.
  local next, fence = handoff(lockKey, fenceKey, queueKey, tonumber(ARGV[6]), ARGV[7], ARGV[8], token)
  if next == token then
    return {fence, tonumber(ttl)}
  end
  if not next then
    redis.call('SET', lockKey, token, 'PX', ttl)
    return {redis.call('INCR', fenceKey), tonumber(ttl)}
  end
  holder = next
end

if mode == '1' then
  redis.call('RPUSH', queueKey, ARGV[4])
elseif mode == '2' then
  local at = redis.call('LPOS', queueKey, ARGV[5])
  if at then
    redis.call('LSET', queueKey, at, ARGV[4])
  else
    redis.call('RPUSH', queueKey, ARGV[4])
  end
end
return {0, redis.call('PTTL', lockKey), holder}
