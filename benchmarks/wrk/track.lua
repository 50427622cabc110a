-- POST /api/v1/track/ cycling through the (reference, tracking code) pairs in $WRK_TRACK_FILE.
dofile(os.getenv("WRK_DIR") .. "/report.lua")
local known = {}
for line in io.lines(os.getenv("WRK_TRACK_FILE")) do
  local ref, code = line:match("^(%S+) (%S+)$")
  if ref then table.insert(known, {ref, code}) end
end
local sent = 0
function request()
  sent = sent + 1
  local pair = known[(thread_no * 7919 + sent) % #known + 1]
  local body = string.format('{"reference": "%s", "tracking_code": "%s"}', pair[1], pair[2])
  return wrk.format("POST", "/api/v1/track/",
                    {["Content-Type"] = "application/json", ["X-Forwarded-For"] = client_ip(sent)}, body)
end
