-- wrk script for `.ci/bench_status`: citizen status lookups (POST /status with the
-- form's token), round robin over the demo's applications.
local apps = dofile(os.getenv("BENCH_APPS"))
local cookie = os.getenv("BENCH_COOKIE")
local csrf = os.getenv("BENCH_CSRF")
local i = 0

request = function()
  i = i % #apps + 1
  local a = apps[i]
  local body = "nomor=" .. a[1] .. "&nik=" .. a[2] .. "&_csrf=" .. csrf
  return wrk.format("POST", "/status", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = cookie,
  }, body)
end
