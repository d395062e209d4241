-- bench-stock-at.lua: wrk script of tests/load/bench-stock-at.sh.
--
-- BENCH_MODE (environment) chooses the request:
--   get   wrk's own GET of the URL (the nginx and FastCGI floors)
--   one   GET /api/v1/stock/{sku}?at=T, a random SKU BENCH_PREFIX%05d of
--         1..BENCH_PRODUCTS and a random moment T of [BENCH_T0, BENCH_T1]
--         (epoch milliseconds)
--   page  GET /api/v1/stock?at=T&per_page=100&page=P, a random page P of
--         [BENCH_PAGE0, BENCH_PAGE1]
--   id    GET /api/v1/stock/{sku}?ledger_id=N, a random N of
--         [BENCH_ID0, BENCH_ID1]
-- BENCH_TOKEN is the bearer (a business key: a moment is the ledger's).
-- Every path carries bench=BENCH_TAG, which the service ignores, so the
-- script can tell this run's access lines from other traffic. done()
-- prints one WRKRESULT line.

local mode = os.getenv("BENCH_MODE") or "get"
local tag = os.getenv("BENCH_TAG") or "bench"
local token = os.getenv("BENCH_TOKEN") or ""
local prefix = os.getenv("BENCH_PREFIX") or "BAT-"
local nprod = tonumber(os.getenv("BENCH_PRODUCTS") or "10000")
local t0 = tonumber(os.getenv("BENCH_T0") or "0")
local t1 = tonumber(os.getenv("BENCH_T1") or "0")
local page0 = tonumber(os.getenv("BENCH_PAGE0") or "1")
local page1 = tonumber(os.getenv("BENCH_PAGE1") or "1")
local id0 = tonumber(os.getenv("BENCH_ID0") or "1")
local id1 = tonumber(os.getenv("BENCH_ID1") or "1")
local headers = { ["Authorization"] = "Bearer " .. token }
local counter = 0

function setup(thread)
	counter = counter + 1
	thread:set("tid", counter)
end

function init(args)
	math.randomseed(os.time() * 1000 + (tid or 0) * 7919)
	-- LuaJIT's first numbers after a seed are poorly spread
	for _ = 1, 10 do math.random() end
end

local function moment()
	local ms = t0 + math.floor(math.random() * (t1 - t0))
	return os.date("!%Y-%m-%dT%H:%M:%S", math.floor(ms / 1000)) ..
	    string.format(".%03dZ", ms % 1000)
end

local function sku()
	return string.format("%s%05d", prefix, math.random(1, nprod))
end

if mode ~= "get" then
	request = function()
		local path
		if mode == "one" then
			path = "/api/v1/stock/" .. sku() .. "?at=" .. moment()
		elseif mode == "page" then
			path = "/api/v1/stock?at=" .. moment() ..
			    "&per_page=100&page=" .. math.random(page0, page1)
		else
			path = "/api/v1/stock/" .. sku() .. "?ledger_id=" ..
			    math.random(id0, id1)
		end
		return wrk.format("GET", path .. "&bench=" .. tag, headers)
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
