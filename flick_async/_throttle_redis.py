"""One rate-limit budget for every process and machine that shares a key, kept in Redis.

The same model as `RateLimiter` (server-aligned minute and day windows, synced down from every
response, a shared 429 pause), with the state in one Redis hash and every step a Lua script,
so that taking a token and syncing from a response are each atomic across workers.

- One clock: Redis's `TIME`. Workers pass only durations measured on their own monotonic clock
  (how long ago a request was sent and its answer received), never a timestamp.
- What it learns and trusts is what `RateLimiter` does: the limits from `X-RateLimit-Limit(-Day)`,
  the window's length from the steps of `Reset` (the documented 60 s until then), a margin of a
  two-hundredth of the window after each boundary, doubled (shared by every worker) by each 429
  and each answer counting requests not granted here (not across a change of limits), up to a
  fiftieth (at most 0.25 s), and a guard of that fiftieth before it; a `Reset` more than the
  window past `Date` needs a second answer; a 429 returns its tokens, and an unanswered grant
  (`abandon()`) returns them once the server's count shows it never arrived (tickets in flight
  are counted per window, so that the server's count is compared with what it can already
  have seen). The window's last
  ticket is timed to a whole second of the server's clock until that clock is known to within
  20 ms, so that its `Date` narrows the doubt: aimed first where Redis's own clock (a wall
  clock, like the server's) says, then at the bracket's midpoint. Windows of a second or less,
  with no whole second inside them, are sounded at their end instead, as `RateLimiter` does: the
  last ticket goes as a late grant when the server's clock reaches the boundary by that aim, and
  its `Reset` says on which side it landed (landing after, it spends its place in the old window).
- A ticket granted too late to be sure which window the server counts it in (within the
  window's last round trip plus margin, or all of the first window's rest while the bracket on
  the server's clock is a `Date` second wide) takes a place in the current window and holds one
  in the next, as `RateLimiter`'s late grants do; its answer's `Reset` says which to give back.
- Reservations, not polling: `acquire()` takes a ticket in the first window that has room (the
  current one, or a later one once the current is spent) and is told when that window opens.
  It sleeps exactly that long and confirms the ticket (a 429 pause or another client's use may
  have voided it, then it takes a new one). Hundreds of workers never stampede at a boundary:
  each wakes at its own window's start, once. (Until the window's length is learned, a ticket
  beyond the current window is named by the 60 s guess, and wakes at the scale of the windows
  seen so far to look again.) Tickets of one window go out in the order they
  were taken.
- A cancelled reservation is given back (its place is reused by the next taker).
- Keys are `{flick:<sha256 prefix>}:...`, one Redis Cluster slot per key.
- Redis down: a local `RateLimiter` holding `fallback_share` of the budget takes over (logged
  once); each `rejoin_after` seconds one call tries Redis again and, when it answers, all go
  back to it.

redis-py's asyncio client serves asyncio; under trio the sync client runs in a worker thread.
"""

from __future__ import annotations

import contextvars
import datetime
import math
import urllib.parse
import weakref
from collections.abc import Sequence
from contextlib import suppress
from typing import TYPE_CHECKING, Any, Final, Literal

import anyio
import anyio.lowlevel
import anyio.to_thread
import httpx
import sniffio

from ._clock import Clock, SystemClock
from ._errors import APIConnectionError, DailyQuotaExceededError, RateLimitError, parse_retry_after
from ._events import Hook, ThrottleWait, emit, logger
from ._rate_limit import RateLimitStatus, parse_rate_limit_headers, read_headers
from ._throttle import _RESET_DELTA, _RESET_MILLIS, RateLimiter, key_digest, reset_value, server_time

if TYPE_CHECKING:
    import redis
    import redis.asyncio

__all__ = ["RedisRateLimiter"]

# One script, several entry points, so they share the window arithmetic. All times are in
# seconds; `T` is Redis time; windows are named by their end in the API server's Unix time;
# `low`/`high` bound `offset = server time - Redis time`.
_LUA: Final = r"""
local key, mode = KEYS[1], ARGV[1]
local limit, dlimit = tonumber(ARGV[2]), tonumber(ARGV[3])
-- 0: not configured, learned from the server's headers (the documented values are the guess)
local learn, dlearn = limit == 0, dlimit == 0
if learn then limit = 60 end
if dlearn then dlimit = 5000 end
local T
if ARGV[6] ~= '' then T = tonumber(ARGV[6]) else
  local t = redis.call('TIME'); T = tonumber(t[1]) + tonumber(t[2]) / 1e6 end
local DRIFT, DAY, SLACK, TIGHT, HUGE = 2e-5, 86400, 1, 0.02, math.huge
local s = {}
local raw = redis.call('HGETALL', key)
for i = 1, #raw, 2 do s[raw[i]] = tonumber(raw[i + 1]) or raw[i + 1] end
local function num(name, default) local v = s[name]; if v == nil then return default end; return v end
local function put(name, value) s[name] = value; redis.call('HSET', key, name, tostring(value)) end
local function del(name) if s[name] ~= nil then s[name] = nil; redis.call('HDEL', key, name) end end
-- The window's length: configured (ARGV[4] > 0), else learned from the steps of Reset, the
-- documented 60 s until then. The margin: configured (ARGV[5]), else a two-hundredth of the
-- window doubled by each sign of a counter behind our pacing up to a fiftieth (at most 0.25 s),
-- scaled before the length is known by the shortest step of Reset seen (a whole number of
-- windows) or, before any step, by the first Reset's distance from Date.
local learnw = tonumber(ARGV[4]) == 0
local window = tonumber(ARGV[4])
if learnw then window = num('wlen', 60) end
local function min3(p) return math.min(num(p .. '1', HUGE), num(p .. '2', HUGE), num(p .. '3', HUGE)) end
local function push3(p, v)
  if s[p .. '2'] ~= nil then put(p .. '3', s[p .. '2']) end
  if s[p .. '1'] ~= nil then put(p .. '2', s[p .. '1']) end
  put(p .. '1', v)
end
local function clear3(p) del(p .. '1'); del(p .. '2'); del(p .. '3') end
local function scale()
  local r = min3('r')
  if r == HUGE then r = num('fspan', HUGE) end
  return math.min(window, r)
end
-- The guard before each boundary; the margin after it starts at a quarter of that and doubles
-- (`mx`) with each sign that the server counts otherwise than we pace (`widen`).
local function guard()
  if ARGV[5] ~= '' then return tonumber(ARGV[5]) end
  return math.min(0.25, scale() / 50)
end
local function margin()
  if ARGV[5] ~= '' then return tonumber(ARGV[5]) end
  return math.min(guard(), scale() * 2 ^ num('mx', 0) / 200)
end
local function widen()
  if ARGV[5] == '' and num('mx', 0) < 2 then put('mx', num('mx', 0) + 1) end
end
local function low() return num('low', 0) - DRIFT * math.max(0, T - num('low_at', T)) end
local function high() return num('high', 0) + DRIFT * math.max(0, T - num('high_at', T)) end
local function refill(e) return e - low() + margin() end
local function last_grant(e)
  return math.max(e - high() - num('rtt', 0) - guard(), refill(e - window))
end
-- While the window's length is still the starting guess (nothing configured, nothing learned),
-- a ticket of a window beyond the current one looks again after this many seconds (nil: it need
-- not): tickets are named by the guessed length (the window after next a minute away), and the
-- answer that shows the real one may reach Redis from another process while it sleeps. The
-- scale of the window seen so far: its shortest step of Reset, else the first Reset's distance
-- from Date (a few looks per ticket at most: the length is learned within two windows).
local function look(e, wend)
  if not (learnw and num('wlen', nil) == nil) or e <= wend then return nil end
  return math.max(0.05, math.min(min3('r'), num('fspan', HUGE)))
end
local function issued(e) return tonumber(redis.call('HGET', key, 'n:' .. e) or '0') end
local function ext(e) return tonumber(redis.call('HGET', key, 'x:' .. e) or '0') end
local function flying(e) return tonumber(redis.call('HGET', key, 'f:' .. e) or '0') end
local function retkey(e) return key .. ':ret:' .. e end
local function abkey(e) return key .. ':ab:' .. e end
-- A window whose assumed end an answer corrected: tickets still out name the old end.
local function map(e) if e ~= 0 and e == num('moved_from', nil) then return num('moved_to', e) end; return e end
local function keep(list, e) redis.call('PEXPIRE', list, math.ceil((e - T + 2 * window) * 1000)) end

-- A grant is in flight from the moment it is taken until its answer (or abandon) says so: what
-- the server's count cannot include yet.
local function fly(e)
  if e == 0 then return end
  redis.call('HINCRBY', key, 'f:' .. e, 1); put('df', num('df', 0) + 1)
end
local function land(e)
  if e == 0 then return end
  if flying(e) > 0 then redis.call('HINCRBY', key, 'f:' .. e, -1) end
  put('df', math.max(0, num('df', 0) - 1))
end

-- Late grants (see `reserve`) also hold a place in the window after the current one, whose end
-- is not known while the window's length is not: `held` of them (`heldf` still in flight,
-- `heldab` abandoned) until that window begins, then they are charged to it. `prev` names the
-- window just before the current one, whose late grants' places are now in the current one.
local function begin(to, from)
  local h, hf, ha = num('held', 0), num('heldf', 0), num('heldab', 0)
  if h > 0 then redis.call('HINCRBY', key, 'n:' .. to, h) end
  if hf > 0 then redis.call('HINCRBY', key, 'f:' .. to, hf) end
  for _ = 1, ha do redis.call('RPUSH', abkey(to), issued(to)) end
  if ha > 0 then keep(abkey(to), to) end
  del('held'); del('heldf'); del('heldab')
  if from then put('prev', from) else del('prev') end
end

local function roll()
  if num('synced', 0) ~= 1 then return end
  local wend = num('wend', 0)
  if T >= refill(wend) then
    local skip = math.max(0, math.floor((T + low() - wend) / window)) + 1
    for i = 0, math.min(skip, 64) - 1 do
      local e = wend + i * window
      redis.call('HDEL', key, 'n:' .. e, 'x:' .. e, 'f:' .. e); redis.call('DEL', retkey(e), abkey(e))
    end
    if num('wconf', 1) == 1 then put('pend', wend) end
    put('wend', wend + skip * window); put('wconf', 0)
    local prev = nil
    if skip == 1 then prev = wend end
    begin(wend + skip * window, prev)
  end
  local dend = num('dend', 0)
  if T >= refill(dend) then
    put('dend', dend + (math.floor((T + low() - dend) / DAY) + 1) * DAY); put('dn', 0); put('dx', 0); put('da', 0)
  end
end

-- The window's last token is sent when the server's clock passes a whole second inside the
-- window by `aim`, an offset in the bracket, while the bracket is wider than 20 ms (or two round
-- trips; up to three times that around 0, which two soundings reach, see below): its Date then
-- shows which side it landed on (after: offset >= aim - rtt; before: offset < aim). The window
-- is spent either way, so this costs no throughput, except in a job's last window. Redis's TIME
-- is a wall clock as the API server's is (NTP, or one machine), so while the bracket holds
-- offset 0 well inside it the aim is there, and then just above it: two soundings place the
-- windows to a round trip when the clocks agree. (Halving from the first Date's second took up
-- to six windows, the job's last one among them: the bench's Redis row read 1.06 x T* in runs
-- whose ten windows had not been enough, 1.01 in the others.) Landing on the wrong side of
-- either aim moves 0 out of play, and the bracket's midpoint takes over.
local function aim_of()
  if num('nodate', 0) == 1 then return nil end
  local lo, hi, rtt = low(), high(), num('rttmin', 0)
  local tight = math.max(TIGHT, 2 * rtt)
  -- (The thresholds keep a side once settled: the bracket's drift allowance must not put a
  -- refuted 0, or a confirmed upper side, back in play for another 1,000 s.)
  local near = -tight <= lo and lo <= 0
  if lo < -tight and hi > tight then return 0 end
  if near and hi > 2 * tight then return tight end
  if near or hi - lo <= tight then return nil end
  return (lo + hi + rtt) / 2
end
-- Whether window `e`'s end is only assumed from the guessed length (nothing configured, nothing
-- learned, no answer named it): no sounding aims at it, nor at a whole second inside it, which
-- may be past the real end (a 1 s window's first Reset reads up to 2 s from Date). Held for a
-- tick, the window's one token waited a window more, each window of a run at 1 a second (2.1
-- windows late over four); aimed at the assumed end, a minute.
local function assumed(e)
  return learnw and num('wlen', nil) == nil and (e ~= num('wend', 0) or num('wconf', 1) ~= 1)
end
local function sounding(e, from)
  if assumed(e) then return from end
  local aim = aim_of()
  if aim == nil then return from end
  local at = math.ceil(from + aim) - aim
  if at <= last_grant(e) then return at end
  return from
end

-- A place in window `e` while it has room (`extra`: places held there besides its own count):
-- a given-back one first, else the next index.
local function room(e, extra)
  return issued(e) + ext(e) + extra - redis.call('LLEN', retkey(e)) < num('limit_seen', limit)
end
local function take(e, extra)
  if not room(e, extra) then return nil end
  local idx = redis.call('LPOP', retkey(e))
  if not idx then idx = issued(e) + 1; redis.call('HSET', key, 'n:' .. e, idx) end
  return idx
end

-- Windows of a second or less (as far as the answers show: the learned length, the shortest
-- step of Reset, or the first Reset's distance from Date) have no whole second inside them to
-- sound (their Date ticks are their boundaries), so they are sounded at their end instead, as
-- `RateLimiter` does: the current window's last ticket goes when the server's clock reaches the
-- window's end by `aim` (Redis time `e - aim`), as a late grant (a place here, one held in the
-- next window), and its answer's Reset says on which side it landed: after, the lower bound
-- moves up to within a round trip; before, the upper bound comes down to `aim`. (Bulk traffic
-- never narrows the bracket, and one a Date second wide kept even the window's length from
-- being learned, its steps never provably a single window: 4 workers at 60 per 1 s opened every
-- window 0.14-0.85 s late, run after run, 1.02-1.13 x T*.) Only while more demand is in sight
-- (answers to come, or tickets waiting for the next window): the window is spent either way,
-- but a job's last request must not wait for the boundary. `placed`: the ticket's place in the
-- next window is held already. Nil: send it now.
local function boundary(e, now, placed)
  if math.min(window, min3('r'), num('fspan', HUGE)) > 1 + 1e-9 or e ~= num('wend', 0) or assumed(e) then
    return nil
  end
  local aim = aim_of()
  if aim == nil then return nil end
  local at = e - aim
  if at <= now then return nil end
  if num('df', 0) <= 0 and issued(e + window) <= 0 then return nil end
  if not placed and not room(e + window, num('held', 0)) then return nil end
  return at
end
-- The reply for a late grant of window `e` at index `idx`, sent at `at` (claimed then if later).
local function late_ticket(e, idx, at)
  return {'at', tostring(e), tostring(idx), tostring(at - T), 'minute', tostring(margin()), '1', ''}
end
-- The ticket of window `e` at index `idx` becomes a late grant, sent at `at`.
local function hold_for_boundary(e, idx, at)
  put('held', num('held', 0) + 1); put('heldf', num('heldf', 0) + 1)
  return late_ticket(e, idx, at)
end

local function give_back(e, idx, day)
  if num('synced', 0) == 1 and e >= num('wend', 0) then
    redis.call('RPUSH', retkey(e), idx); keep(retkey(e), e)
    if day then put('dn', math.max(0, num('dn', 0) - 1)) end
  end
end

-- A late grant of window `e` is settled: no longer in flight in the window after `e`; `free`:
-- its place there is given back (the server counted it in `e`, or not at all); `abandoned`: it
-- got no answer, so its place comes back once the server's count shows it never arrived.
local function unhold(e, free, abandoned)
  if e == num('wend', 0) then
    put('heldf', math.max(0, num('heldf', 0) - 1))
    if free then put('held', math.max(0, num('held', 0) - 1)) end
    if abandoned then put('heldab', num('heldab', 0) + 1) end
  elseif e ~= 0 and e == num('prev', nil) then
    local w = num('wend', 0)
    if flying(w) > 0 then redis.call('HINCRBY', key, 'f:' .. w, -1) end
    if free then give_back(w, issued(w), false) end
    if abandoned then redis.call('RPUSH', abkey(w), issued(w)); keep(abkey(w), w) end
  end
end

local function reserve()
  if num('synced', 0) ~= 1 then
    if num('probe', 0) > T then return {'poll', tostring(num('probe', 0) - T)} end
    put('probe', T + tonumber(ARGV[7]))
    return {'go', '0', '0', '0'}
  end
  roll()
  local dend = num('dend', 0)
  if num('dn', 0) + num('dx', 0) >= num('dlimit_seen', dlimit) then
    return {'day', tostring(dend), tostring(refill(dend) - T)}
  end
  local wend, paused = num('wend', 0), num('paused', 0)
  local e = wend
  for _ = 1, 100000 do
    local opens = T
    if e ~= wend then
      opens = refill(e - window)
      -- by then the drift allowance will have grown: wake once, not twice
      opens = opens + 2 * DRIFT * (opens - T) + 0.001
    end
    local from = math.max(opens, paused)
    local held = 0
    if e == wend + window then held = num('held', 0) end
    if from <= last_grant(e) then
      local idx = take(e, held)
      if idx then
        put('dn', num('dn', 0) + 1)
        local why = 'minute'
        if paused > opens and paused > T then why = 'paused' end
        local left = num('limit_seen', limit) - issued(e) - ext(e) + redis.call('LLEN', retkey(e))
        if left <= 0 then
          from = sounding(e, from)
          if from <= T then
            local at = boundary(e, T)
            if at then return hold_for_boundary(e, idx, at) end
          end
        end
        if from <= T then fly(e) end
        local again = look(e, wend)
        if again == nil then again = '' else again = tostring(again) end
        return {'at', tostring(e), tostring(idx), tostring(math.max(0, from - T)), why, tostring(margin()), '0', again}
      end
    elseif e == wend and from <= T and room(e + window, num('held', 0)) then
      -- Too late to be sure the server counts it in this window, which may still be open (the
      -- bracket on its clock is as wide as the first Date left it): a late grant takes a place
      -- here and holds one in the next window, and its answer's Reset says which to give back.
      -- (Refusing it lost the rest of the window: 1.12 x T* for a run started late in a 2 s one.)
      local idx = take(e, 0)
      if idx then
        put('held', num('held', 0) + 1); put('heldf', num('heldf', 0) + 1)
        put('dn', num('dn', 0) + 1)
        -- (While the bracket is wide, all of a window's grants after the first few may be late:
        -- the last one sounds the boundary too, sent later.)
        local at = nil
        if not room(e, 0) then at = boundary(e, T, true) end
        if at == nil then at = T; fly(e) end
        return late_ticket(e, idx, at)
      end
    end
    e = e + window
  end
  return {'poll', tostring(window)}
end

local function constrain(lo, hi, exact)
  if exact and num('low', nil) ~= nil and hi < low() then
    -- Date runs ahead of the clock the windows follow (or that clock stepped back): start over
    -- from what Reset implies (`lo`), and let Date raise the lower bound no more
    put('low', math.min(lo, hi)); put('high', hi); put('low_at', T); put('high_at', T); put('nodate', 1); return
  end
  if num('low', nil) == nil or lo > low() then put('low', lo) else put('low', low()) end
  put('low_at', T)
  if num('high', nil) == nil or hi < high() then put('high', hi) else put('high', high()) end
  put('high_at', T)
  if s['high'] < s['low'] then put('high', s['low']) end
end

-- Our counts of the window ending at `from` belong to the server's window ending at `to` (an
-- assumed end that an answer corrected).
local function redate(from, to)
  for _, p in ipairs({'n:', 'x:', 'f:'}) do
    local v = redis.call('HGET', key, p .. from)
    if v then redis.call('HINCRBY', key, p .. to, tonumber(v)); redis.call('HDEL', key, p .. from) end
  end
  for _, list in ipairs({{retkey(from), retkey(to)}, {abkey(from), abkey(to)}}) do
    if redis.call('EXISTS', list[1]) == 1 then
      if redis.call('EXISTS', list[2]) == 0 then redis.call('RENAME', list[1], list[2])
      else redis.call('DEL', list[1]) end
    end
  end
  put('moved_from', from); put('moved_to', to); put('wend', to); put('wconf', 1)
end

redis.call('PEXPIRE', key, 3 * DAY * 1000)
if mode == 'reserve' then return reserve() end
if mode == 'claim' then
  local e, idx = map(tonumber(ARGV[8])), tonumber(ARGV[9])
  if num('synced', 0) ~= 1 or e == 0 then return {'ok'} end
  roll()
  local wend = num('wend', 0)
  if e > wend and math.abs(e - wend - window) > 1e-3 then
    -- Not the next window (woken early to look again, see `look`: a ticket named by the
    -- guessed length, which the windows seen since showed to be another): the earliest place
    -- now, which may be much nearer.
    give_back(e, idx, true)
    return reserve()
  end
  if e > wend then
    -- (as in reserve: by then the drift allowance will have grown; wake once, not twice)
    local wait, again = refill(e - window) - T, look(e, wend)
    wait = wait + 2 * DRIFT * math.max(0, wait) + 0.001
    if again ~= nil then wait = math.min(wait, again) end
    return {'wait', tostring(math.max(0.001, wait))}
  end
  -- (ARGV 10: '1' for a late grant, a boundary sounding woken at its time: late by design.)
  local late = ARGV[10] == '1'
  local over = idx + ext(e) > num('limit_seen', limit)
  if e < wend or num('paused', 0) > T or (T > last_grant(e) and not late) or over then
    if e == wend and not over then give_back(e, idx, true) end
    if late then unhold(e, true, false) end
    return reserve()
  end
  if not late and idx >= num('limit_seen', limit) - ext(e) then
    local at = boundary(e, T)
    if at then return hold_for_boundary(e, idx, at) end
  end
  fly(e)
  return {'ok'}
end
if mode == 'release' then
  -- ARGV: 8 window, 9 index, 10 '1' for a late grant, 11 '1' when the ticket had been granted
  -- (so counted in flight; a late grant always is)
  local e, idx = map(tonumber(ARGV[8])), tonumber(ARGV[9])
  if ARGV[11] == '1' then land(e) end
  if e ~= 0 then give_back(e, idx, true) end
  if ARGV[10] == '1' then unhold(e, true, false) end
  return {'ok'}
end
if mode == 'abandon' then
  -- A grant that got no answer: its tokens stay spent (the server may have counted it), but it
  -- is no longer in flight, and comes back if the server's count later shows it never arrived.
  -- (ARGV 8 to 10 as for release: a late grant's place in the next window stays spent too.)
  local e, idx = map(tonumber(ARGV[8])), tonumber(ARGV[9])
  if e == 0 then return {'ok'} end
  land(e)
  if num('synced', 0) == 1 and e >= num('wend', 0) then redis.call('RPUSH', abkey(e), idx); keep(abkey(e), e) end
  if ARGV[10] == '1' then unhold(e, false, true) end
  put('da', num('da', 0) + 1)
  return {'ok'}
end
if mode == 'sync' then
  -- ARGV: 8 age_sent, 9 age_received, 10 date, 11 reset, 12 remaining, 13 limit, 14 remaining_day,
  --       15 limit_day, 16 status, 17 retry_after, 18 the answered grant's window (0: none), 19 its index,
  --       20 '1' when it was a late grant
  local sent, received = T - tonumber(ARGV[8]), T - tonumber(ARGV[9])
  local date, reset = tonumber(ARGV[10]), tonumber(ARGV[11])
  local remaining, lim = tonumber(ARGV[12]), tonumber(ARGV[13])
  local remaining_day, dlim = tonumber(ARGV[14]), tonumber(ARGV[15])
  local te, tidx = map(tonumber(ARGV[18])), tonumber(ARGV[19])
  land(te)
  local rtt = T - sent - (T - received)
  put('rtt', math.max(num('rtt', 0) * 0.98, rtt))
  put('rttmin', math.min(num('rttmin', HUGE), rtt))
  -- A limit other than the last answer's: the server may have changed its windows too, and the
  -- steps of Reset seen so far say nothing of the new ones (the step across the change can be
  -- anything, even the old length), nor is its Reset proof that the old window ended.
  local reconfigured = false
  if lim then
    reconfigured = num('lim_last', lim) ~= lim
    if num('lim_last', nil) ~= lim then put('lim_last', lim) end
    if reconfigured then clear3('s'); clear3('r') end
  end
  if reset then
    -- More than a window (plus Date's second) past Date: a lie or a longer window. Believed
    -- once the next answer repeats it, even one written near its end (a 429 just before it):
    -- then the window is at least the span it was first seen at.
    local span = reset - date
    local suspect = num('suspect', nil)
    if learnw and suspect ~= nil and math.abs(suspect - reset) < 1 then
      local longer = math.max(num('sspan', 0), span)
      del('suspect'); del('sspan')
      -- Moved on because the windows got longer, not because the old one ended (a limit change
      -- whose first answer's Reset was held back as suspect comes to this second one).
      reconfigured = true
      if longer > window + 2 * SLACK then window = longer; put('wlen', longer); clear3('s'); clear3('r') end
    elseif span > window + 2 * SLACK then
      put('suspect', reset); put('sspan', span); reset = nil
    else
      del('suspect'); del('sspan')
    end
  end
  -- Whether what this answer counts can widen the margin (as `RateLimiter._telling`): not in
  -- the window a change of limits (or of length) was seen in, nor in the window's length after
  -- it. There the server counts what the old window had, refuses grants paced by the old limit,
  -- and, while a shortened window is still paced as the old length, counts in windows other
  -- than those the tickets were charged to: that is the change, not a counter behind the clock.
  if reconfigured and reset then put('cend', reset) end
  local function telling()
    if reconfigured then return false end
    local cend = num('cend', nil)
    return cend == nil or reset == nil or reset > cend + window
  end
  local date_low = date - received
  if num('nodate', 0) == 1 then date_low = low() end
  constrain(date_low, date + SLACK - sent, false)
  if reset then
    -- The window ending at `reset` was open when the server wrote the answer: it had begun, at
    -- most the longest recent step before `reset` (a window just lengthened is still learned as
    -- the shorter one); until two steps in a row agree, no later than what Date says.
    local r1, r2 = num('r1', nil), num('r2', nil)
    local floor = reset - math.max(window, r1 or 0, r2 or 0, num('r3', 0)) - received
    if r1 == nil or r2 == nil or math.abs(r1 - r2) > 1e-3 then floor = math.min(floor, date - received) end
    constrain(floor, reset - sent, true)
  end
  if reset then
    -- The window's length: the shortest recent step of Reset that came less than half a step
    -- after the old window's end (a step is a whole number of windows; two or more would put
    -- the answer at least a window past it).
    if num('fspan', nil) == nil then put('fspan', math.max(0, reset - date) + SLACK) end
    local last = num('lreset', nil)
    if last ~= nil and reset > last + 0.5 then
      push3('r', reset - last)
      local latest = math.min(date + SLACK, received + high())
      if latest - last < (reset - last) / 2 then
        push3('s', reset - last)
        if learnw then window = min3('s'); put('wlen', window) end
      end
    end
    if last == nil or reset > last then put('lreset', reset) end
    if num('synced', 0) ~= 1 then
      put('synced', 1); put('wend', reset); put('wconf', 1); redis.call('HSET', key, 'n:' .. reset, 1)
      put('dend', (math.floor(date / DAY) + 1) * DAY); put('dn', 1); put('dx', 0); put('da', 0)
    elseif reset > num('wend', 0) then
      if num('wconf', 1) == 1 then
        -- The server has passed the end of the window we knew (unless it changed its windows).
        local old = num('wend', 0)
        local lo = old - received
        if lo > low() and not reconfigured then put('low', lo); put('low_at', T) end
        put('wend', reset); put('wconf', 1)
        redis.call('HDEL', key, 'n:' .. old, 'x:' .. old, 'f:' .. old); redis.call('DEL', retkey(old), abkey(old))
        begin(reset, old)
      else
        redate(num('wend', 0), reset)
      end
    elseif reset < num('wend', 0) then
      -- An end we only assumed (rolled on by a window not yet learned), or the server shortened
      -- its window mid-way: the server's rules. A confirmed window's older answer changes nothing.
      if num('wconf', 1) ~= 1 then
        -- (An answer naming the window we had already seen end says only that it ended later
        -- than we thought: the rolled-on window stays.)
        if reset > num('pend', 0) then redate(num('wend', 0), reset) end
      elseif reset > num('wend', 0) - window + 0.5 and reset > num('prev', -HUGE) then
        -- (An answer naming the window just left, overtaken in flight, is no shorter window:
        -- while the length is still the 60 s guess, `wend - window` cannot tell it apart.)
        redate(num('wend', 0), reset); put('lreset', reset); clear3('s')
      end
    else
      put('wconf', 1)
    end
    if lim and lim >= 1 then
      if learn then put('limit_seen', lim) else put('limit_seen', math.min(limit, lim)) end
    end
    if dlim and dlim >= 1 then
      if dlearn then put('dlimit_seen', dlim) else put('dlimit_seen', math.min(dlimit, dlim)) end
    end
    if reset == num('wend', 0) and remaining then
      local counted = num('limit_seen', limit) - remaining
      local x = counted - issued(reset)
      if x > ext(reset) then
        -- Requests not granted here: another client, or a counter still in the window before
        -- (behind the clock that wrote Reset), which a wider margin waits out.
        redis.call('HSET', key, 'x:' .. reset, x)
        if tonumber(ARGV[16]) ~= 429 and telling() then widen() end  -- (a 429 is one sign already)
      end
      -- Up only by what the server provably never counted: grants beyond its count and beyond
      -- all still on their way, and no more of them than went unanswered. A Remaining that is
      -- merely too high loosens nothing.
      local uncounted = issued(reset) - redis.call('LLEN', retkey(reset)) - counted - flying(reset)
      while uncounted > 0 do
        local idx = redis.call('LPOP', abkey(reset))
        if not idx then break end
        redis.call('RPUSH', retkey(reset), idx); keep(retkey(reset), reset)
        uncounted = uncounted - 1
      end
    end
    local de = (math.floor(date / DAY) + 1) * DAY
    if de > num('dend', 0) then put('dend', de); put('dn', 0); put('dx', 0); put('da', 0) end
    if de == num('dend', 0) and remaining_day then
      local counted = num('dlimit_seen', dlimit) - remaining_day
      put('dx', math.max(num('dx', 0), counted - num('dn', 0)))
      local forgiven = math.min(num('dn', 0) - counted - num('df', 0), num('da', 0))
      if forgiven > 0 then put('dn', num('dn', 0) - forgiven); put('da', num('da', 0) - forgiven) end
    end
  end
  if ARGV[20] == '1' then
    -- A late grant's answer: the next window's place it held comes back unless that window counted it.
    unhold(map(te), tonumber(ARGV[16]) == 429 or (reset ~= nil and reset <= map(te)), false)
  end
  if tonumber(ARGV[16]) == 429 then
    -- the server counts no 429: the grant's tokens come back (the key is paused anyway)
    if te ~= 0 then
      give_back(te, tidx, false)
      if telling() then widen() end
    end
    if num('synced', 0) == 1 and (math.floor(date / DAY) + 1) * DAY == num('dend', 0) then
      put('dn', math.max(0, num('dn', 0) - 1))
    end
    local wait = tonumber(ARGV[17])
    if not wait then wait = window end
    put('paused', math.max(num('paused', 0), received + wait + margin()))
  end
  return {'ok'}
end
return redis.error_reply('unknown mode ' .. mode)
"""

_POLL: Final = 0.05
_DAY: Final = 86_400.0
_GUESS_WINDOW: Final = 60.0

# A ticket, as the script names it: (window end, index, "1" for a late grant, which also holds a
# place in the next window).
_Ticket = tuple[str, str, str]
_NO_TICKET: Final[_Ticket] = ("0", "0", "0")
# The ticket this task was granted and has not yet observed or abandoned: its answer says whether
# the server counted it (a 429 does not) and in which window, so it travels with the sync.
# (The limiter weakly: timers copy the context, see `_throttle._Ticket.core`.)
_GRANT: contextvars.ContextVar[tuple[weakref.ref[RedisRateLimiter], _Ticket] | None] = contextvars.ContextVar(
    "flick_async_redis_grant", default=None
)
_CONNECTIONS: Final = 32  # between looks while the first (probe) request of the key is out


def _ticket(reply: list[str]) -> _Ticket:
    """The ticket of an "at" reply: `at, window, index, delay, reason, margin, late, look`."""
    return reply[1], reply[2], reply[6]


class _Unavailable(Exception):
    """Redis did not answer, or refused the script."""


def _redacted(url: str) -> str:
    """The Redis URL without its credentials, for error messages."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class RedisRateLimiter:
    """The `RateLimiter` model with its state in Redis: one budget for every worker of a key.

    Args:
        url: The Redis URL (`redis://host:6379/0`).
        api_key: The API key whose budget this is; only its SHA-256 names the Redis keys.
        per_minute: Requests per window.
        per_day: Requests per UTC day.
        window_seconds: Length of the "minute" window; None (the default) learns it from the
            server's `Reset` steps, as `RateLimiter` does (60 s until then).
        clock: Where this process sleeps and measures durations.
        hooks: Receive a `ThrottleWait` event for every wait.
        wait_for_daily_reset: When the day is spent, sleep until UTC midnight instead of raising.
        safety_margin: Seconds added after each server boundary before its window's tokens are
            used. None (the default): learned as `RateLimiter` learns it, from a two-hundredth
            of the window up to a fiftieth, at most 0.25 s.
        max_wait: The longest 429 pause (`Retry-After`) worth waiting out; `acquire()` raises
            `RateLimitError` at once when more of it remains (as `RateLimiter`). None waits any.
        fallback_share: The share of the budget this process may use on its own while Redis is
            down or refusing (e.g. `1 / workers`); None to raise `APIConnectionError` instead.
        rejoin_after: Seconds between attempts to reach Redis again while falling back.
        socket_timeout: Seconds before a Redis call counts as failed.
        cluster: `url` names a node of a Redis Cluster (every key of the budget shares one hash
            slot, so the scripts run on one node, wherever the slot lives).

    Example:
        limiter = RedisRateLimiter("redis://localhost:6379/0", api_key=key, fallback_share=1 / 8)
        client = AsyncFlick(api_key=key, throttle=limiter)
    """

    def __init__(
        self,
        url: str,
        *,
        api_key: str,
        per_minute: int | None = None,
        per_day: int | None = None,
        window_seconds: float | None = None,
        clock: Clock | None = None,
        hooks: Sequence[Hook] = (),
        wait_for_daily_reset: bool = False,
        safety_margin: float | None = None,
        max_wait: float | None = None,
        fallback_share: float | None = 0.25,
        rejoin_after: float = 5.0,
        socket_timeout: float = 1.0,
        cluster: bool = False,
        _now: Clock | None = None,
    ) -> None:
        if fallback_share is not None and not 0 < fallback_share <= 1:
            raise ValueError("fallback_share must be in (0, 1]")
        try:
            # Here, not at the first acquire(): the import takes about 0.2 s, which held back a
            # job's first request, and a missing extra is better said before anything runs.
            import redis.asyncio  # noqa: F401
        except ModuleNotFoundError as exc:
            raise ImportError(
                "RedisRateLimiter needs the redis package; install flick-async with the redis extra"
                " (pip install 'flick-async[redis]')"
            ) from exc
        self._url = url
        digest = key_digest(api_key)
        self._key = f"{{flick:{digest[:16]}}}:state"
        self._digest = digest
        if max_wait is not None and not max_wait >= 0:
            raise ValueError("max_wait must be a non-negative number of seconds or None")
        self._max_wait = max_wait
        if (window_seconds is not None and not window_seconds > 0) or (
            safety_margin is not None and not safety_margin >= 0
        ):
            raise ValueError("the window must be longer than 0 s and the margin not negative")
        # 0 tells the script to learn the limit (or the window) from the server's headers; an
        # empty margin, to derive it from the window.
        self._config = [
            str(per_minute or 0),
            str(per_day or 0),
            "0" if window_seconds is None else repr(float(window_seconds)),
            "" if safety_margin is None else repr(float(safety_margin)),
        ]
        self._window = window_seconds
        self._probe_timeout = min((window_seconds or _GUESS_WINDOW) / 4, 10.0)
        self._clock = clock if clock is not None else SystemClock()
        self._now = _now  # tests only: read "Redis time" from this clock instead of TIME
        self._hooks = tuple(hooks)
        self._wait_for_day = wait_for_daily_reset
        self._socket_timeout = socket_timeout
        self._fallback_share = fallback_share
        self._rejoin_after = rejoin_after
        self._fallback: RateLimiter | None = None
        self._fallback_since = 0.0
        self._last_try = -math.inf
        if fallback_share is not None:
            self._fallback = RateLimiter(
                per_minute=max(1, math.floor((per_minute or 60) * fallback_share)),
                per_day=max(1, math.floor((per_day or 5000) * fallback_share)),
                window_seconds=window_seconds,
                clock=self._clock,
                hooks=hooks,
                wait_for_daily_reset=wait_for_daily_reset,
                safety_margin=safety_margin,
            )
        self.falling_back = False
        # Responses (and abandoned grants) not yet sent to Redis, with the grant they answer.
        # (headers None: a grant abandoned without an answer.)
        self._pending: list[tuple[int, httpx.Headers | None, float, float, _Ticket]] = []
        self._status: RateLimitStatus | None = None
        self._cluster = cluster
        self._async_client: redis.asyncio.Redis | redis.asyncio.RedisCluster | None = None
        self._async_script: Any = None
        self._sync_client: redis.Redis | redis.RedisCluster | None = None
        self._sync_script: Any = None

    # -- Redis calls -----------------------------------------------------------------------------

    async def _run(self, mode: str, *extra: object) -> list[str]:
        import redis
        import redis.asyncio

        now = "" if self._now is None else repr(self._now.time())
        args: list[Any] = [mode, *self._config, now, repr(self._probe_timeout), *extra]
        calling = False  # (set once the clients exist: see the `except` below)
        try:
            if sniffio.current_async_library() == "asyncio":
                if self._async_client is None and self._cluster:
                    self._async_client = redis.asyncio.RedisCluster.from_url(
                        self._url, socket_timeout=self._socket_timeout, socket_connect_timeout=self._socket_timeout
                    )
                    self._async_script = self._async_client.register_script(_LUA)
                if self._async_client is None:
                    # A blocking pool: a burst of tasks queues for a connection instead of failing
                    # with "Too many connections" (which is not Redis being down).
                    pool = redis.asyncio.BlockingConnectionPool.from_url(
                        self._url,
                        max_connections=_CONNECTIONS,
                        timeout=None,
                        socket_timeout=self._socket_timeout,
                        socket_connect_timeout=self._socket_timeout,
                    )
                    self._async_client = redis.asyncio.Redis(connection_pool=pool)
                    self._async_script = self._async_client.register_script(_LUA)
                calling = True
                result = await self._async_script(keys=[self._key], args=args)
            else:
                if self._sync_client is None and self._cluster:
                    self._sync_client = redis.RedisCluster.from_url(
                        self._url, socket_timeout=self._socket_timeout, socket_connect_timeout=self._socket_timeout
                    )
                    self._sync_script = self._sync_client.register_script(_LUA)
                if self._sync_client is None:
                    self._sync_client = redis.Redis.from_url(
                        self._url, socket_timeout=self._socket_timeout, socket_connect_timeout=self._socket_timeout
                    )
                    self._sync_script = self._sync_client.register_script(_LUA)
                script = self._sync_script
                calling = True
                result = await anyio.to_thread.run_sync(lambda: script(keys=[self._key], args=args))
        except (redis.RedisError, OSError) as exc:
            # Down, but also refusing (READONLY after a failover, OOM, WRONGTYPE): either way
            # there is no shared budget to draw from.
            raise _Unavailable(f"{type(exc).__name__}: {exc}") from exc
        except (AttributeError, TypeError) as exc:
            if not calling:
                raise  # building the clients: a mistake of ours, not an outage
            # redis-py lets a connection torn down under a command surface as the transport's own
            # error ("'NoneType' object has no attribute 'writelines'"), not as ConnectionError
            # (redis/redis-py#4287); seen here on a three-node cluster under load. No shared
            # budget to draw from either, and the next call connects afresh.
            raise _Unavailable(f"{type(exc).__name__}: {exc}") from exc
        return [item.decode() if isinstance(item, bytes) else str(item) for item in result]

    def _fall_back(self, error: _Unavailable) -> RateLimiter:
        if self._fallback is None:
            # A FlickError like any other failure of a call (and retried like a lost connection).
            raise APIConnectionError(
                f"rate limiter backend unavailable: {error}", method="EVAL", url=_redacted(self._url)
            ) from (error.__cause__ or error)
        if not self.falling_back:
            logger.warning(
                "rate limiter: Redis unreachable (%s); this process now uses %.0f%% of the budget on its own",
                error,
                100 * (self._fallback_share or 0),
            )
            self.falling_back = True
        self._last_try = self._clock.monotonic()
        return self._fallback

    def _should_try_redis(self) -> bool:
        return not self.falling_back or self._clock.monotonic() - self._last_try >= self._rejoin_after

    # -- the Throttle protocol -------------------------------------------------------------------

    async def acquire(self) -> None:
        """Wait for this worker's reservation in the shared budget, then take it.

        Raises:
            DailyQuotaExceededError: At once when the day is spent (unless built with
                `wait_for_daily_reset=True`).
            APIConnectionError: Redis is down or refusing and `fallback_share` is None.
        """
        if not self._should_try_redis():
            assert self._fallback is not None
            await self._fallback.acquire()
            return
        try:
            await self._acquire_shared()
        except _Unavailable as error:
            await self._fall_back(error).acquire()
            return
        if self.falling_back:
            logger.warning("rate limiter: Redis is back; sharing the budget again")
            self.falling_back = False

    async def _acquire_shared(self) -> None:
        await self.flush()
        reply = await self._for_ticket("reserve")
        reported: str | None = None
        ticket = _NO_TICKET
        while True:
            kind = reply[0]
            if kind == "go":
                return  # the probe before any answer: no window to charge yet
            if kind == "ok":
                _GRANT.set((weakref.ref(self), ticket))
                return
            if kind == "day":
                end, wait = float(reply[1]), float(reply[2])
                if not self._wait_for_day:
                    resets_at = datetime.datetime.fromtimestamp(end, datetime.UTC)
                    raise DailyQuotaExceededError(
                        f"the daily quota is spent; it resets at {resets_at:%Y-%m-%d %H:%M} UTC",
                        resets_at=resets_at,
                        retry_after=wait,
                    )
                emit(self._hooks, ThrottleWait(wait, "day"))
                await self._clock.sleep(wait)
                reply = await self._for_ticket("reserve")
                continue
            if kind in ("poll", "wait"):
                try:
                    await self._clock.sleep(min(float(reply[1]), _POLL) if kind == "poll" else float(reply[1]))
                    # Another task of this process may have observed what is being waited for (the
                    # probe's answer, when the task that sent it asks for nothing more).
                    await self.flush()
                except BaseException:
                    if kind == "wait":  # (still holding the ticket a claim told to wait)
                        await self._release(ticket)
                    raise
                again = self._for_ticket("reserve") if kind == "poll" else self._for_ticket("claim", *ticket)
                reply = await again
                continue
            # "at": a ticket that is due after `delay` seconds.
            ticket = _ticket(reply)
            delay = float(reply[3])
            reason: Literal["minute", "paused"] = "paused" if reply[4] == "paused" else "minute"
            # (Before the window's length is learned, a ticket looks again at the window's scale:
            # the script's `look`.)
            sleep = min(delay, float(reply[7])) if reply[7] else delay
            if delay <= 0:
                _GRANT.set((weakref.ref(self), ticket))
                return
            # The margin is ours, not the server's: a `Retry-After` of exactly `max_wait` is waited out.
            if reason == "paused" and self._max_wait is not None and delay - float(reply[5]) > self._max_wait:
                await self._release(ticket)
                raise RateLimitError(
                    f"the key is paused after a 429 for another {delay:.1f}s, longer than max_wait={self._max_wait:g}s;"
                    " nothing was sent",
                    retry_after=delay,
                )
            if reason != reported:
                emit(self._hooks, ThrottleWait(delay, reason))
                reported = reason
            try:
                await self._clock.sleep(sleep)
                await self.flush()  # (as above: what this process saw meanwhile may change the answer)
            except BaseException:
                await self._release(ticket)
                raise
            reply = await self._for_ticket("claim", *ticket)

    async def _for_ticket(self, mode: str, *ticket: str) -> list[str]:
        """Run `reserve` or `claim`; a ticket it hands out or still holds goes back if the task was cancelled meanwhile.

        Shielded: once Redis has run the script the ticket is taken, and a cancellation that
        landed before the reply would leave it taken for good (a window short of one request).
        """
        with anyio.CancelScope(shield=True):
            reply = await self._run(mode, *ticket)
        try:
            await anyio.lowlevel.checkpoint_if_cancelled()
        except BaseException:
            if reply[0] == "at":
                await self._release(_ticket(reply), granted=float(reply[3]) <= 0)
            elif mode == "claim" and reply[0] in ("ok", "wait"):
                await self._release((ticket[0], ticket[1], ticket[2]), granted=reply[0] == "ok")
            raise
        return reply

    async def _release(self, ticket: _Ticket, *, granted: bool = False) -> None:
        """Give a ticket back, bounded and shielded; a failure must not replace the error on its way out.

        `granted`: the script had already counted it as sent (in flight).
        """
        with anyio.CancelScope(shield=True), anyio.move_on_after(self._socket_timeout), suppress(_Unavailable):
            await self._run("release", *ticket, "1" if granted else "0")

    def observe(self, *, status_code: int, headers: httpx.Headers, sent_at: float, received_at: float) -> None:
        """Queue a sync of the shared state from one response (see `aobserve`)."""
        # The facade calls observe() synchronously; the Redis round trip happens in `aobserve`,
        # which `acquire` cannot wait for. So record locally and sync on the next call.
        self._pending.append((status_code, headers, sent_at, received_at, self._take_grant()))
        status = parse_rate_limit_headers(headers)
        if status is not None:
            self._status = status
        if self._fallback is not None:
            self._fallback.observe(status_code=status_code, headers=headers, sent_at=sent_at, received_at=received_at)

    def abandon(self) -> None:
        """The request granted last in this task got no response: its shared ticket stays spent.

        The server may have counted it, so its token stays taken until the server's count (in
        the same window, or the same UTC day) shows it never arrived; it no longer counts as in
        flight. The local fallback (which sees every `observe` too) learns the same. A no-op
        when that grant was already observed or abandoned.
        """
        ticket = self._take_grant()
        if ticket != _NO_TICKET:
            self._pending.append((0, None, 0.0, 0.0, ticket))
        if self._fallback is not None:
            self._fallback.abandon()

    def _take_grant(self) -> _Ticket:
        """The ticket this task was granted by this limiter and has not yet settled, now settled."""
        grant = _GRANT.get()
        if grant is None or grant[0]() is not self:
            return _NO_TICKET
        _GRANT.set(None)
        return grant[1]

    async def aobserve(self, *, status_code: int, headers: httpx.Headers, sent_at: float, received_at: float) -> None:
        """Sync the shared state from one response now (one Redis round trip).

        Args:
            status_code: The response's status; a 429 pauses every worker for `Retry-After`.
            headers: The response's headers.
            sent_at: `clock.monotonic()` just before sending.
            received_at: `clock.monotonic()` when the response arrived.
        """
        self.observe(status_code=status_code, headers=headers, sent_at=sent_at, received_at=received_at)
        await self.flush()

    async def flush(self) -> None:
        """Send the responses observed since the last flush to Redis."""
        while self._pending:
            # Taken before the await, so concurrent flushes never send one response twice.
            status_code, headers, sent_at, received_at, ticket = self._pending.pop(0)
            if headers is None:
                try:
                    with anyio.CancelScope(shield=True):  # (bounded by socket_timeout)
                        await self._run("abandon", *ticket)
                except _Unavailable as error:
                    self._fall_back(error)
                    self._pending.clear()
                    return
                continue
            status, raw_date, raw_reset = read_headers(headers)  # (one pass, as `RateLimiter` reads them)
            date = server_time(raw_date)
            if date is None:
                date = math.floor(self._clock.time())
            reset = reset_value(raw_reset)
            # Read as `RateLimiter` reads it: milliseconds and seconds-until-reset as such. (A
            # Reset more than a window past Date is bounded by the script, which knows the
            # learned window.)
            if reset is not None and reset > _RESET_MILLIS:
                reset /= 1000.0
            elif reset is not None and reset < _RESET_DELTA:
                reset += date
            retry_after = parse_retry_after(headers, now=self._clock.time())
            if retry_after is not None:
                # As `RateLimiter`: no real pause outlasts the day (an HTTP date in year 9999).
                retry_after = min(retry_after, max(_DAY, self._window or 0.0))
            now = self._clock.monotonic()

            def text(value: float | None) -> str:
                return "" if value is None else repr(float(value))

            try:
                # Shielded, as the abandon above: the answer is off the queue, and a cancellation
                # here would lose it for every worker (a 429's pause, a late grant's place).
                with anyio.CancelScope(shield=True):
                    await self._run(
                        "sync",
                        repr(now - sent_at),
                        repr(now - received_at),
                        repr(float(date)),
                        text(reset),
                        text(status.remaining if status else None),
                        text(status.limit if status else None),
                        text(status.remaining_day if status else None),
                        text(status.limit_day if status else None),
                        str(status_code),
                        text(retry_after),
                        *ticket,
                    )
            except _Unavailable as error:
                self._fall_back(error)
                self._pending.clear()
                return

    @property
    def status(self) -> RateLimitStatus | None:
        """The latest snapshot this process saw."""
        return self._status

    async def aclose(self) -> None:
        """Send the answers (and abandoned grants) not yet flushed to Redis, then close the connections.

        Until they are sent, the other workers cannot see them: a probe's answer left behind
        would hold them back for the probe's timeout (up to 10 s).
        """
        import redis.asyncio

        with anyio.CancelScope(shield=True), anyio.move_on_after(self._socket_timeout), suppress(APIConnectionError):
            await self.flush()  # (Redis down: nothing to send them to)

        if self._async_client is not None:
            if isinstance(self._async_client, redis.asyncio.RedisCluster):
                await self._async_client.aclose()
            else:
                await self._async_client.aclose(close_connection_pool=True)
            self._async_client = None
        if self._sync_client is not None:
            self._sync_client.close()
            self._sync_client = None

    def __repr__(self) -> str:
        return f"RedisRateLimiter(key=sha256:{self._digest[:12]}, falling_back={self.falling_back})"
