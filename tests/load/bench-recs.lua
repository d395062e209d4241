-- bench-recs.lua: wrk script of tests/load/bench-recs.sh.
--
-- BENCH_MODE (environment) chooses the request:
--   get      wrk's own GET of the URL (the nginx and FastCGI floors)
--   root     GET /api/v1 (the service's request path without SQL)
--   related  GET /api/v1/products/{id}/related?limit=10 as a guest, a
--            random id of BENCH_LIST (one a line)
--   mine     GET /api/v1/me/recommendations?limit=10, signed in as a
--            random reader of BENCH_TOKENS (one access token a line)
-- done() prints one WRKRESULT line.

local mode = os.getenv("BENCH_MODE") or "get"
local listfile = os.getenv("BENCH_LIST")
local tokfile = os.getenv("BENCH_TOKENS")
local list, toks = {}, {}

local function lines(file, into)
	if file and file ~= "" then
		for line in io.lines(file) do
			if line ~= "" then into[#into + 1] = line end
		end
	end
end

function init(args)
	math.randomseed(os.time() * 1000 + math.floor(os.clock() * 1e6))
	for _ = 1, 10 do math.random() end
	lines(listfile, list)
	lines(tokfile, toks)
end

if mode ~= "get" then
	request = function()
		if mode == "root" then
			return wrk.format("GET", "/api/v1?bench=recs")
		elseif mode == "related" then
			return wrk.format("GET", "/api/v1/products/" ..
			    list[math.random(1, #list)] .. "/related?limit=10")
		end
		return wrk.format("GET", "/api/v1/me/recommendations?limit=10",
		    { ["Authorization"] = "Bearer " ..
		    toks[math.random(1, #toks)] })
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
