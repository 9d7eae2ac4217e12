-- nextFence(fenceKey, nowUs): the fence of a new holder, stored as the last one handed out. One above the
-- last, and never below the server's clock in µs: a counter lost to a restart without persistence, to
-- eviction, or to a failover onto a replica that missed it starts again above every fence handed out
-- before, as long as the servers' clocks agree to within the outage. (One lock is not taken a million
-- times a second, so the counter never runs ahead of the clock.)
local function nextFence(fenceKey, nowUs)
  local last = tonumber(redis.call('GET', fenceKey))
  if last and last >= nowUs then
    nowUs = last + 1
  end
  redis.call('SET', fenceKey, string.format('%.0f', nowUs))
  return nowUs
end

-- serverTime(): the server's clock, in µs.
local function serverTime()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000000 + tonumber(time[2])
end
