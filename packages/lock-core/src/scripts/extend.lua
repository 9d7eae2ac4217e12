-- extend: reset the lock's expiry if the caller still holds it.
-- KEYS[1] lock
-- ARGV[1] token, ARGV[2] ttl ms
-- Returns 1 extended; 0 the key is gone; -1 another holder's token is in it
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not holder then
  return 0
end
return -1
