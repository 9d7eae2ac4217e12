-- extend: reset the lock's expiry if the caller still holds it.
-- KEYS[1] lock, KEYS[2] fence   as in acquire.lua
-- ARGV[1] token
-- ARGV[2] ttl      ms
-- ARGV[3] fence    absent: any hold of the token; else only the hold with this fence (an owner lease's token
--                  is the instance id, the same for each of its terms: confirming an old grant must not
--                  extend a newer term under the old fence)
-- Returns 1 extended; 0 the key is gone; -1 another holder's token (or another fence) is in it
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] and (not ARGV[3] or redis.call('GET', KEYS[2]) == ARGV[3]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not holder then
  return 0
end
return -1
