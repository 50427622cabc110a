-- POST /bench/drf/: one INSERT behind DRF and the per-IP throttle, from a different address each time.
dofile(os.getenv("WRK_DIR") .. "/report.lua")
local sent = 0
function request()
  sent = sent + 1
  return wrk.format("POST", "/bench/drf/",
                    {["Content-Type"] = "application/json", ["X-Forwarded-For"] = client_ip(sent)}, '{"p": "drf"}')
end
