-- acquire: take the lock if it is free and no live waiter is ahead; otherwise report how long it stays taken.
-- KEYS[1] lock          the holder's token, with PX expiry
-- KEYS[2] fence         counter, INCRed for every new holder
-- KEYS[3] queue         list of waiting entries `<token>|<ttl>|<deadline>|<client>`, head first
-- ARGV[1] token         the caller's token
-- ARGV[2] ttl           ms
-- ARGV[3] now           wall-clock ms, to skip waiters whose entries went stale; absent: a quick try
-- ARGV[4] publish       PUBLISH, or SPUBLISH on a cluster; a waiter hears its grant on `<lock>:events:<client>`
-- ARGV[5] mode          0 or absent: one try; 1: on failure push ARGV[6]; 2: the caller may be queued as
--                       ARGV[7]: replace that entry in place by ARGV[6] (a refresh), or push ARGV[6] if gone
-- ARGV[6] entry         the caller's queue entry (modes 1, 2)
-- ARGV[7] old entry     the entry pushed before (mode 2)
-- Returns fence           held by the caller now (taken, handed over earlier, or renewed when already ours)
--         {0, pttl, holder} not acquired: the holder's token and its remaining ms; a quick try that finds
--                           the lock free but waiters queued answers {0, -2, ''} and leaves them to a full call
-- Most acquisitions are uncontended: the quick try comes first, reads two arguments and, when the queue is
-- empty and the lock free, takes it in three commands (LLEN, SET NX, INCR) and answers one integer,
-- because every command, argument and reply element, and even defining the handoff function, costs
-- round-trip time. It reads before it writes: an error stops it with nothing written.
local lockKey, fenceKey, queueKey = KEYS[1], KEYS[2], KEYS[3]
local token, ttl = ARGV[1], ARGV[2]

if not ARGV[3] and redis.call('LLEN', queueKey) == 0 and redis.call('SET', lockKey, token, 'NX', 'PX', ttl) then
  return redis.call('INCR', fenceKey)
end

local holder = redis.call('GET', lockKey)
if holder == token then
  redis.call('PEXPIRE', lockKey, ttl)
  -- A fence deleted from outside must not turn the holder's renewal into a refusal.
  return tonumber(redis.call('GET', fenceKey)) or redis.call('INCR', fenceKey)
end
if not holder then
  if redis.call('LLEN', queueKey) == 0 then
    redis.call('SET', lockKey, token, 'PX', ttl)
    return redis.call('INCR', fenceKey)
  end
  if not ARGV[3] then
    return {0, -2, ''}
  end
end

--!include lib/handoff.lua
local mode = ARGV[5]
if not holder then
  -- Free, but waiters are queued (the holder expired, or left no one to hand to): serve the head first.
  local next, fence = handoff(lockKey, fenceKey, queueKey, tonumber(ARGV[3]), ARGV[4], token)
  if next == token then
    return fence
  end
  if not next then
    redis.call('SET', lockKey, token, 'PX', ttl)
    return redis.call('INCR', fenceKey)
  end
  holder = next
end

if mode == '1' then
  redis.call('RPUSH', queueKey, ARGV[6])
elseif mode == '2' then
  local at = redis.call('LPOS', queueKey, ARGV[7])
  if at then
    redis.call('LSET', queueKey, at, ARGV[6])
  else
    redis.call('RPUSH', queueKey, ARGV[6])
  end
end
return {0, redis.call('PTTL', lockKey), holder}
