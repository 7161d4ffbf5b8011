-- Requests for wrk (Debian's wrk 4.1, LuaJIT). Arguments after `--`:
--   post-chat  <path>                     POST <path> (chat creation)
--   post       <prefix> <chats>           POST <prefix>/<chat>/messages, chat random in 1..chats
--   post-as    <prefix> <chats> <bearer>  the same, with Authorization: Bearer <bearer> (a user token)
--   post-from  <prefix> <chats> <sender>  the same, without a credential, each message naming <sender>
--   get        <prefix> <chats> <before>  GET  <prefix>/<chat>/messages?limit=50[&before=…]; before is
--                                         "none", a number (the same page every time) or "random:<max>"
--   events     <path> <last>              GET  <path>?limit=50&after=<random in 0..last-50> (the change feed)
--   search     <prefix> <chats> <q> <before>
--                                         GET  <prefix>/<chat>/messages/search?q=<q>&limit=50[&before=…]
-- done() prints one line `WRK_RESULT {json}` that bench/Chat.Bench parses.

local mode, prefix, chats, option, before
local json = { ["Content-Type"] = "application/json" }
local authorized = {}
local message = '{"body":"benchmark message: the quick brown fox jumps over the lazy dog"}'
local threads = {}

function setup(thread)
  thread:set("thread_index", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  mode, prefix, chats, option, before = args[1], args[2], tonumber(args[3] or "1"), args[4], args[5]
  if mode == "post-as" then
    authorized = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. option }
  elseif mode == "post-from" then
    message = message:sub(1, -2) .. ',"sender":"' .. option .. '"}'
  end
  math.randomseed(os.time() * 1000 + (thread_index or 0))
end

local function chat()
  return math.random(1, chats)
end

-- "none", a number (the same page every time) or "random:<max>" (a page anywhere below max)
local function before_param(spec)
  if spec == nil or spec == "none" then return "" end
  local max = spec:match("^random:(%d+)$")
  return "&before=" .. (max and math.random(51, tonumber(max)) or spec)
end

function request()
  if mode == "post-chat" then
    return wrk.format("POST", prefix, json, '{"name":"benchmark chat"}')
  elseif mode == "post" then
    return wrk.format("POST", prefix .. "/" .. chat() .. "/messages", json, message)
  elseif mode == "post-as" then
    return wrk.format("POST", prefix .. "/" .. chat() .. "/messages", authorized, message)
  elseif mode == "post-from" then
    return wrk.format("POST", prefix .. "/" .. chat() .. "/messages", json, message)
  elseif mode == "get" then
    return wrk.format("GET", prefix .. "/" .. chat() .. "/messages?limit=50" .. before_param(option))
  elseif mode == "events" then
    return wrk.format("GET", prefix .. "?limit=50&after=" .. math.random(0, math.max(0, chats - 50)))
  elseif mode == "search" then
    return wrk.format("GET", prefix .. "/" .. chat() .. "/messages/search?limit=50&q=" .. option .. before_param(before))
  end
  error("unknown mode " .. tostring(mode))
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"duration_us":%d,"p50_us":%.0f,"p90_us":%.0f,"p99_us":%.0f,"max_us":%.0f,"status_errors":%d,"socket_errors":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.status, e.connect + e.read + e.write + e.timeout))
end
