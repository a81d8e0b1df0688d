-- wrk script: a courier workload mix for scaling/run.sh.
--   wrk -t T -c T -s scaling/mix.lua URL -- COURIERS
-- One connection per thread (-c = -t), so every response answers the request this thread sent last.
-- Thread i drives the couriers whose id - 1 is i modulo T, one after the other: POST /orders/assign, then
-- POST /orders/complete for each order it got (complete_time = assign_time + 7 min x n, so ratings are
-- realistic), then the next courier. Every third request is GET /couriers/{id} of one of its couriers.
-- Set TZ=UTC for wrk: times are shifted with os.time/os.date.

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("index", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local couriers, cursor, pending = {}, 1, {}
local sent, last_kind, last_courier = 0, nil, nil
local headers = { ["Content-Type"] = "application/json" }
-- counters, read by done() through thread:get
gets, assigns, empty_assigns, assigned_orders, completes, errors = 0, 0, 0, 0, 0, 0
errors_get, errors_assign, errors_complete = 0, 0, 0
last_error = ""

function init(args)
  local total = tonumber(args[1])
  local threads_total = tonumber(args[2])
  for id = 1, total do
    if (id - 1) % threads_total == index then
      couriers[#couriers + 1] = id
    end
  end
  math.randomseed(1000 + index)
end

local function plus_minutes(stamp, minutes)
  local y, mo, d, h, mi, s, frac = stamp:match("^(%d+)-(%d+)-(%d+)T(%d+):(%d+):(%d+)(%.?%d*)Z$")
  local t = os.time({ year = tonumber(y), month = tonumber(mo), day = tonumber(d),
                      hour = tonumber(h), min = tonumber(mi), sec = tonumber(s) }) + minutes * 60
  return os.date("%Y-%m-%dT%H:%M:%S", t) .. frac .. "Z"
end

local function advance()
  cursor = cursor % #couriers + 1
end

function request()
  sent = sent + 1
  if sent % 3 == 0 then
    last_kind = "get"
    return wrk.format("GET", "/couriers/" .. couriers[math.random(#couriers)])
  end
  local c = couriers[cursor]
  last_courier = c
  local bundle = pending[c]
  if bundle and #bundle.ids > 0 then
    local order = table.remove(bundle.ids, 1)
    bundle.n = bundle.n + 1
    last_kind = "complete"
    return wrk.format("POST", "/orders/complete", headers, string.format(
      '{"courier_id":%d,"order_id":%d,"complete_time":"%s"}', c, order, plus_minutes(bundle.assign_time, 7 * bundle.n)))
  end
  last_kind = "assign"
  return wrk.format("POST", "/orders/assign", headers, string.format('{"courier_id":%d}', c))
end

function response(status, _, body)
  if status ~= 200 then
    errors = errors + 1
    if last_kind == "get" then errors_get = errors_get + 1
    elseif last_kind == "assign" then errors_assign = errors_assign + 1; advance()
    else errors_complete = errors_complete + 1 end
    last_error = status .. " " .. last_kind .. " " .. string.sub((body or ""):gsub("%s+", " "), 1, 160)
    return
  end
  if last_kind == "get" then
    gets = gets + 1
  elseif last_kind == "assign" then
    local ids = {}
    for id in body:gmatch('"id":(%d+)') do ids[#ids + 1] = tonumber(id) end
    if #ids == 0 then
      empty_assigns = empty_assigns + 1
      advance()
    else
      assigns = assigns + 1
      assigned_orders = assigned_orders + #ids
      pending[last_courier] = { ids = ids, n = 0, assign_time = body:match('"assign_time":"([^"]+)"') }
    end
  else
    completes = completes + 1
    if #pending[last_courier].ids == 0 then advance() end
  end
end

function done(summary, latency, _)
  local sum = {}
  local names = { "gets", "assigns", "empty_assigns", "assigned_orders", "completes", "errors",
                  "errors_get", "errors_assign", "errors_complete" }
  local sample = ""
  for _, t in ipairs(threads) do
    for _, name in ipairs(names) do sum[name] = (sum[name] or 0) + (t:get(name) or 0) end
    local e = t:get("last_error")
    if e and e ~= "" then sample = e end
  end
  io.write(string.format(
    "mix: GET /couriers/{id} %d, assign %d (with orders; %d orders) + %d (nothing fit), complete %d, non-200 %d (get %d, assign %d, complete %d)\n",
    sum.gets, sum.assigns, sum.assigned_orders, sum.empty_assigns, sum.completes, sum.errors,
    sum.errors_get, sum.errors_assign, sum.errors_complete))
  io.write(string.format("latency ms: p50 %.1f, p90 %.1f, p99 %.1f, max %.1f\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
  if sample ~= "" then io.write("last non-200: " .. sample .. "\n") end
end
