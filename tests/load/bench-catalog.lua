-- bench-catalog.lua: wrk script of tests/load/bench-catalog.sh.
--
-- BENCH_MODE (environment) chooses the request:
--   get      wrk's own GET of the URL (the nginx and FastCGI floors)
--   root     GET /api/v1 (name, version, uptime: the request path of the
--            service without the cache and without SQL)
--   hot      GET /api/v1/products/{id}, a random id of BENCH_LIST
--   cold     GET /api/v1/products/{id}, walking BENCH_LIST in order: thread
--            t of BENCH_THREADS takes lines t, t + T, t + 2T, ... so no id
--            is asked for twice until the list runs out (then it starts
--            again and done() reports the wraps)
--   search   GET /api/v1/products?q={word}, a random word of BENCH_WORDS
--            (comma-separated)
--   stock    GET /api/v1/stock/{sku}, a random SKU of BENCH_LIST
-- BENCH_LIST is a file of ids or SKUs, one a line. Every path carries
-- bench=BENCH_TAG, which the service ignores, so the script can tell this
-- run's access lines from other traffic. Requests are a guest's (no
-- token), as a shop page's are. done() prints one WRKRESULT line.

local mode = os.getenv("BENCH_MODE") or "get"
local tag = os.getenv("BENCH_TAG") or "bench"
local listfile = os.getenv("BENCH_LIST")
local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
local words = {}
for w in string.gmatch(os.getenv("BENCH_WORDS") or "", "[^,]+") do
	words[#words + 1] = w
end
local threads = {}
local counter = 0

function setup(thread)
	counter = counter + 1
	thread:set("tid", counter)
	table.insert(threads, thread)
end

local list = {}
local pos = 0
wraps = 0

function init(args)
	math.randomseed(os.time() * 1000 + (tid or 0) * 7919)
	-- LuaJIT's first numbers after a seed are poorly spread
	for _ = 1, 10 do math.random() end
	if listfile and listfile ~= "" then
		for line in io.lines(listfile) do
			if line ~= "" then list[#list + 1] = line end
		end
	end
	pos = tid or 1
end

local function pick()
	return list[math.random(1, #list)]
end

local function next_cold()
	if pos > #list then
		pos = tid or 1
		wraps = wraps + 1
	end
	local v = list[pos]
	pos = pos + nthreads
	return v
end

if mode ~= "get" then
	request = function()
		local path
		if mode == "root" then
			path = "/api/v1?bench=" .. tag
		elseif mode == "hot" then
			path = "/api/v1/products/" .. pick() .. "?bench=" .. tag
		elseif mode == "cold" then
			path = "/api/v1/products/" .. next_cold() .. "?bench=" .. tag
		elseif mode == "search" then
			path = "/api/v1/products?q=" .. words[math.random(1, #words)] ..
			    "&bench=" .. tag
		elseif mode == "stock" then
			path = "/api/v1/stock/" .. pick() .. "?bench=" .. tag
		end
		return wrk.format("GET", path)
	end
end

function done(summary, latency, requests)
	local e = summary.errors
	local w = 0
	for _, t in ipairs(threads) do
		w = w + (tonumber(t:get("wraps")) or 0)
	end
	io.write(string.format("WRKRESULT requests=%d duration_us=%d " ..
	    "non2xx=%d connect=%d read=%d write=%d timeout=%d " ..
	    "p50_us=%d p99_us=%d wraps=%d\n", summary.requests,
	    summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
	    latency:percentile(50), latency:percentile(99), w))
end
