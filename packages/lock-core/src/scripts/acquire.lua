-- acquire: take the lock if it is free and no live waiter is ahead; otherwise report who holds it and,
-- when asked, queue the caller (or refresh its entry) so a release hands the lock straight to it.
-- KEYS[1] lock     the holder's token, with PX expiry
-- KEYS[2] fence    the last fence handed out (see lib/fence.lua)
-- KEYS[3] queue    waiting processes, head first (see lib/queue.lua)
-- ARGV[1] token    the caller's token
-- ARGV[2] ttl      ms
-- ARGV[3] publish  PUBLISH, or SPUBLISH on a cluster; absent: a quick try (below)
-- ARGV[4] heard    '1' if a grant no subscriber received means a dead waiter (see lib/queue.lua handoff)
-- ARGV[5] how      what the call does besides trying, and what a lock already the caller's means:
--                  absent  a plain try; already the caller's: the same hold (a grant it has not heard yet,
--                          or this very call run twice by a client resending after a reconnect)
--                  <tag>   as absent, and on failure queue the caller's entry for client <tag> (or refresh
--                          it in place, keeping its turn)
--                  '+', '+<tag>'  as absent and <tag>, for a token that outlives its holds (an owner lease's,
--                          the instance id): already the caller's is a leftover of an earlier hold, so a
--                          new hold with a new fence
--                  ''      a claim (the owner lease): already the caller's is a new hold too, and its expiry
--                          is left alone, as only that lease's own renewal may change it: {1, fence, pttl}
-- ARGV[6] live     ms the entry stays alive without another refresh
-- Returns fence             held by the caller now (taken, handed over earlier, or already its own: renewed)
--         {1, fence, pttl}  a claim that found the lock already the caller's, untouched, `pttl` ms left
--         {0, pttl, holder} not acquired: the holder's token and its remaining ms; a quick try that finds
--                           the lock free but waiters queued answers {0, -2, ''} and leaves them to a full call
-- Most acquisitions are uncontended: the quick try (token and ttl only) comes first and, when the queue is
-- empty and the lock free, takes it in LLEN, SET NX, TIME, GET and SET and answers one integer, because every
-- command, argument and reply element, and even defining a function, costs round-trip time.
local lockKey, fenceKey, queueKey = KEYS[1], KEYS[2], KEYS[3]
local token, ttl, publish = ARGV[1], ARGV[2], ARGV[3]

--!include lib/fence.lua
if not publish then
  if redis.call('LLEN', queueKey) == 0 and redis.call('SET', lockKey, token, 'NX', 'PX', ttl) then
    return nextFence(fenceKey, serverTime())
  end
  local holder = redis.call('GET', lockKey)
  if not holder then
    return {0, -2, ''}
  end
  if holder == token then
    -- This very call ran before: a client resending it after a reconnect. The hold it took stands.
    return tonumber(redis.call('GET', fenceKey)) or nextFence(fenceKey, serverTime())
  end
  return {0, redis.call('PTTL', lockKey), holder}
end

local how = ARGV[5]
local holder = redis.call('GET', lockKey)
if holder == token then
  local fence = tonumber(redis.call('GET', fenceKey))
  local plus = how and string.sub(how, 1, 1) == '+'
  if not fence or how == '' or plus then
    fence = nextFence(fenceKey, serverTime())
  end
  if how == '' then
    return {1, fence, redis.call('PTTL', lockKey)}
  end
  -- A new hold over a hold of the same token ('+') lengthens it, never shortens it: a lease of the caller's
  -- client may still keep that older hold (an owner claim's, adopted while this call was on the wire), and
  -- only a lease's own renewal may bring its expiry in.
  if not plus or redis.call('PTTL', lockKey) < tonumber(ttl) then
    redis.call('PEXPIRE', lockKey, ttl)
  end
  return fence
end

--!include lib/queue.lua
local nowUs = serverTime()
if not holder then
  -- Free, but maybe waiters are queued (the holder expired, or left no one to hand to): serve them first.
  local next, fence = handoff(lockKey, fenceKey, queueKey, nowUs, publish, ARGV[4], token)
  if next == token then
    -- Its own entry was at the head: the caller's ttl, not the entry's (an owner claim served from its
    -- election's entry holds for ownerTtl, as it believes).
    redis.call('PEXPIRE', lockKey, ttl)
    return fence
  end
  if not next then
    redis.call('SET', lockKey, token, 'PX', ttl)
    return nextFence(fenceKey, nowUs)
  end
  holder = next
end

local client = how and string.match(how, '^%+?(.*)$')
if client and client ~= '' then
  place(queueKey, token, ttl, math.floor(nowUs / 1000) + tonumber(ARGV[6]), client)
end
return {0, redis.call('PTTL', lockKey), holder}
