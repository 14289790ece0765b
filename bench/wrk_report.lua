-- wrk script: count every answer that is not 2xx (and, when a status is
-- expected, every answer with another status), then print one JSON line with
-- the totals and latency percentiles for bench.py to read.
--
-- Arguments after wrk's "--" are key=value pairs, all optional:
--   method=POST  body={"name": "x"}  status=201
-- A body is sent as application/json. The request stays static (no request()
-- function here): wrk builds it once per thread, after init() has run.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  not_2xx = 0
  unexpected = 0
  local options = {}
  for _, arg in ipairs(args) do
    local key, value = arg:match("^(%w+)=(.*)$")
    if key then
      options[key] = value
    end
  end
  if options.method then
    wrk.method = options.method
  end
  if options.body then
    wrk.body = options.body
    wrk.headers["Content-Type"] = "application/json"
  end
  expected = tonumber(options.status)
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    not_2xx = not_2xx + 1
  end
  if expected and status ~= expected then
    unexpected = unexpected + 1
  end
end

function done(summary, latency, requests)
  local bad, other = 0, 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("not_2xx")
    other = other + thread:get("unexpected")
  end
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "not_2xx": %d, '
      .. '"unexpected": %d, "connect": %d, "read": %d, "write": %d, '
      .. '"timeout": %d, "p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, summary.bytes, bad, other,
    errors.connect, errors.read, errors.write, errors.timeout,
    latency:percentile(50), latency:percentile(99)
  ))
end
