-- bench.lua: wrk script of tests/load/bench-inventory.sh.
--
-- BENCH_MODE (environment) chooses the request:
--   get      wrk's own GET of the URL (the nginx and FastCGI floors)
--   uniform  POST /api/v1/reservations, one unit of a random SKU
--   hot      the same, always BENCH_HOT
--   batch    the same with BENCH_LINES distinct random SKUs
-- Random SKUs are BENCH_PREFIX .. %05d of 1..BENCH_SKUS; ttl_seconds is
-- BENCH_TTL (86400: a run's reservations do not expire under the feet of
-- whoever runs holdfast-expire on the same stack). BENCH_TOKEN is the
-- bearer; BENCH_PATH the path (with a query that tags the run's lines in
-- the access log). done() prints one WRKRESULT line for the script to read.

local mode = os.getenv("BENCH_MODE") or "get"
local token = os.getenv("BENCH_TOKEN") or ""
local nskus = tonumber(os.getenv("BENCH_SKUS") or "10000")
local prefix = os.getenv("BENCH_PREFIX") or "BENCH-"
local hot = os.getenv("BENCH_HOT") or "BENCH-HOT"
local nlines = tonumber(os.getenv("BENCH_LINES") or "10")
local ttl = tonumber(os.getenv("BENCH_TTL") or "86400")
local head = '{"type":"cart","ttl_seconds":' .. ttl .. ',"items":['
local path = os.getenv("BENCH_PATH") or "/api/v1/reservations"
local headers = {
	["Content-Type"] = "application/json",
	["Authorization"] = "Bearer " .. token,
}
local threads = {}
local counter = 0

function setup(thread)
	counter = counter + 1
	thread:set("tid", counter)
	table.insert(threads, thread)
end

function init(args)
	math.randomseed(os.time() * 1000 + (tid or 0) * 7919)
	-- LuaJIT's first numbers after a seed are poorly spread
	for _ = 1, 10 do math.random() end
end

local function sku(k)
	return string.format("%s%05d", prefix, k)
end

local function body()
	if mode == "hot" then
		return head .. '{"sku":"' .. hot .. '","quantity":1}]}'
	end
	if mode == "uniform" then
		return head .. '{"sku":"' .. sku(math.random(1, nskus)) ..
		    '","quantity":1}]}'
	end
	local seen, items = {}, {}
	while #items < nlines do
		local k = math.random(1, nskus)
		if not seen[k] then
			seen[k] = true
			items[#items + 1] = '{"sku":"' .. sku(k) ..
			    '","quantity":1}'
		end
	end
	return head .. table.concat(items, ",") .. ']}'
end

if mode ~= "get" then
	request = function()
		return wrk.format("POST", path, headers, body())
	end
end

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("WRKRESULT requests=%d duration_us=%d " ..
	    "non2xx=%d connect=%d read=%d write=%d timeout=%d " ..
	    "p50_us=%d p99_us=%d\n", summary.requests, summary.duration,
	    e.status, e.connect, e.read, e.write, e.timeout,
	    latency:percentile(50), latency:percentile(99)))
end
