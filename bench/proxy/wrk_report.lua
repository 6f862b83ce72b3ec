-- wrk script: POSTs the chat body in $VSR_BENCH_BODY and prints one JSON line of results.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = os.getenv("VSR_BENCH_BODY")

-- $VSR_BENCH_PAUSE_MS: each connection waits that long after an answer before its next
-- request, so the load is a rate below saturation (latency then is what the proxy adds, not
-- the queue of a saturated machine).
--
-- With $VSR_BENCH_PAUSE_JITTER=1 each pause is drawn from 0.5..1.5 times that (same mean). A
-- fixed pause keeps the connections in step: wrk ends pauses on its millisecond timer, so the
-- answers of one wave come back together and the next wave leaves together, and the load is
-- bursts of every connection at once. Drawn pauses spread the connections out into a steady
-- rate, the load a fleet of independent clients makes.
local pause_ms = tonumber(os.getenv("VSR_BENCH_PAUSE_MS") or "")
local jitter = os.getenv("VSR_BENCH_PAUSE_JITTER") == "1"
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_index", threads)
end
function init(args)
  math.randomseed(os.time() * 64 + (thread_index or 0))  -- a different sequence per thread
end
if pause_ms ~= nil and pause_ms > 0 then
  function delay()
    if jitter then
      return math.floor(pause_ms * (0.5 + math.random()) + 0.5)
    end
    return pause_ms
  end
end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write +
                 summary.errors.timeout + summary.errors.status
  io.write(string.format(
    '{"requests":%d,"duration_s":%.3f,"rps":%.1f,"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,"errors":%d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, errors))
end
