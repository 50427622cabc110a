-- POST an intake body (to the URL wrk is given: /api/v1/complaints/, or /bench/floor/ for the floor)
-- with a different complainant, from a different address, every request.
dofile(os.getenv("WRK_DIR") .. "/report.lua")
local sent = 0
function request()
  sent = sent + 1
  local n = thread_no * 10000000 + sent
  local body = string.format(
    '{"category": "online_shopping", "channel": "web", ' ..
    '"description": "สั่งซื้อสินค้าออนไลน์แล้วไม่ได้รับสินค้า รายการที่ %d", ' ..
    '"complainant": {"name": "ผู้ทดสอบ %d", "phone": "08%08d", "email": "b%d@example.com"}, ' ..
    '"incident": {"website_url": "https://shop.example/item", "amount_lost": "990.00"}}',
    n, n, n % 100000000, n)
  return wrk.format("POST", wrk.path,
                    {["Content-Type"] = "application/json", ["X-Forwarded-For"] = client_ip(sent)}, body)
end
