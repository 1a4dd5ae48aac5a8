-- wrk script for the bench: always connects to 127.0.0.1 (loopback only, whatever the URL's
-- host resolves to; the host still names the TLS SNI and the Host header), and prints one JSON
-- line with the figures the bench reads.
local target = nil

function setup(thread)
  if target == nil then
    target = wrk.lookup("127.0.0.1", wrk.port or (wrk.scheme == "https" and "443" or "80"))
  end
  thread.addr = target[1]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
