"""Browser tests: Playwright driving Debian's Chromium (/usr/bin/chromium) against a live server.

The flows of issue 7, in Thai; each main screen is written as a screenshot to
OCC_SCREENSHOT_DIR (test-artifacts/screenshots)."""

import hashlib
import json
import os
import re
import shutil
import struct
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make test installs it)"
    ),
]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--autoplay-policy=no-user-gesture-required",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def shots():
    folder = Path(settings.OCC_SCREENSHOT_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def site(live_server, demo, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    from privacy.ops.demo import demo_privacy_load

    demo_privacy_load()
    return live_server.url


def _page(browser, lang="th"):
    context = browser.new_context(
        locale="th-TH" if lang == "th" else "en-US", viewport={"width": 1200, "height": 900}
    )
    return context, context.new_page()


def _staff_login(page, base, username):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    page.goto(f"{base}/desk/login/")
    page.fill("#username", username)
    page.fill("#password", "pw-not-used-1212")
    page.click("#login")
    page.wait_for_url(re.compile(r".*/desk/login/otp/"))
    device = TOTPDevice.objects.get(user__username=username)
    page.fill("#token", f"{totp(device.bin_key):06d}")
    page.click("#verify-otp")
    page.wait_for_load_state()


def _wav(path: Path, seconds=1.0, rate=8000):
    import math
    import wave

    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(
            b"".join(
                struct.pack("<h", int(6000 * math.sin(2 * math.pi * 440 * i / rate)))
                for i in range(int(seconds * rate))
            )
        )


def _png(path: Path):
    from PIL import Image

    Image.new("RGB", (40, 40), (200, 30, 30)).save(path, "PNG")


def test_citizen_files_a_thai_complaint_with_evidence_and_tracks_it(browser, site, shots, tmp_path):
    """clause: OCC-2, OCC-3, OCC-12"""
    from complaints.models import Complaint

    context, page = _page(browser)
    page.goto(site + "/")
    page.screenshot(path=str(shots / "01-portal-home-th.png"), full_page=True)
    page.click("#cookies-refuse")
    page.goto(site + "/file/")
    page.select_option("#category", "online_shopping")
    page.wait_for_selector("#id_phone")
    page.fill("#id_name", "สมหญิง ทดสอบ")
    page.fill("#id_phone", "0812345678")
    page.fill("#description", "สั่งซื้อกระเป๋าทางเพจเฟซบุ๊ก โอนเงินแล้วไม่ได้รับสินค้า")
    image = tmp_path / "slip.png"
    _png(image)
    page.set_input_files("#attachments", str(image))
    page.screenshot(path=str(shots / "02-portal-file-th.png"), full_page=True)
    page.click("#submit")
    page.wait_for_selector("#tracking-code")
    reference = page.inner_text("#reference").strip()
    code = page.inner_text("#tracking-code").strip()
    page.screenshot(path=str(shots / "03-portal-confirmation-th.png"), full_page=True)
    c = Complaint.objects.get(reference=reference)
    assert c.attachments.count() == 1 and c.complainant.name == "สมหญิง ทดสอบ"
    page.goto(site + "/track/")
    page.fill("#reference", reference)
    page.fill("#tracking_code", code)
    page.click("#track")
    page.wait_for_selector("#status")
    assert "รับเรื่องแล้ว" in page.inner_text("#status") or "received" in page.inner_text("#status")
    page.screenshot(path=str(shots / "04-portal-track-th.png"), full_page=True)
    context.close()


def test_refusing_cookies_sets_no_statistics_cookie(browser, site):
    """clause: OCC-10"""
    context, page = _page(browser)
    page.goto(site + "/")
    page.click("#cookies-refuse")
    page.wait_for_load_state()
    names = {c["name"] for c in context.cookies()}
    assert "occ_stats" not in names and "occ_cookie_choice" in names
    page.goto(site + "/file/")
    assert page.locator("#submit").is_visible()  # the service is the same
    context.close()


def test_agent_phone_complaint_recording_routing_agency_update_citizen_sees_it(
    browser, site, shots, tmp_path, user_factory
):
    """clause: OCC-5, OCC-7, OCC-8 (phone with recording; routed under a basis; agency update tracked)"""
    from complaints.models import Agency, Complaint, Role
    from routing.disclosure import canonical

    user_factory(Role.AGENT, "agent-b")
    user_factory(Role.AGENCY_OFFICER, "police-b", Agency.objects.get(code="ccib"))
    context, page = _page(browser)
    _staff_login(page, site, "agent-b")
    page.screenshot(path=str(shots / "05-desk-queue-th.png"), full_page=True)
    page.goto(site + "/desk/phone/")
    page.fill("#id_phone", "0898765432")
    page.select_option("#category", "financial_scam")
    page.wait_for_timeout(300)
    page.fill("#description", "มีคนโทรอ้างเป็นเจ้าหน้าที่ธนาคาร หลอกให้โอนเงิน")
    wav = tmp_path / "call.wav"
    _wav(wav)
    page.set_input_files("#recording", str(wav))
    page.screenshot(path=str(shots / "06-desk-phone-th.png"), full_page=True)
    page.click("#save-phone")
    page.wait_for_selector("#tracking-code")
    reference = page.inner_text("#reference").strip()
    code = page.inner_text("#tracking-code").strip()
    assert re.fullmatch(r"OCC-\d{4}-\d{6}", reference)
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    page.click("#open-case")
    page.wait_for_selector("audio")
    c = Complaint.objects.get(reference=reference)
    assert c.channel == "phone" and c.complainant.phone == "+66898765432"
    # play the recording, seeking half-way (the server answers Range requests)
    audio = page.locator("audio").first
    duration = page.evaluate(
        "a => new Promise(r => { if (a.readyState >= 1) r(a.duration); "
        "else a.addEventListener('loadedmetadata', () => r(a.duration)); })",
        audio.element_handle(),
    )
    assert 0.9 < duration < 1.2
    page.evaluate("a => { a.currentTime = 0.5; return a.play(); }", audio.element_handle())
    page.wait_for_timeout(400)
    assert page.evaluate("a => a.currentTime", audio.element_handle()) > 0.5
    # the routing preview: what the police cyber unit would receive under the investigation agreement
    # (identity and case data, not the address), on which basis, and the exact bytes
    preview = page.locator("#preview-ccib")
    sent = preview.locator("table.sent").inner_text()
    assert "หมายเลขโทรศัพท์" in sent and "+66898765432" in sent  # the caller's number goes
    assert "หลอกให้โอนเงิน" in sent  # the description goes
    assert "ที่อยู่" not in sent
    withheld = preview.locator(".withheld").inner_text()
    assert "ที่อยู่" in withheld and "หมายเลขโทรศัพท์" not in withheld and "รายละเอียด" not in withheld
    assert "พ.ร.บ.ว่าด้วยการกระทำความผิดเกี่ยวกับคอมพิวเตอร์ พ.ศ. 2550" in preview.locator(".basis").inner_text()
    payload = json.loads(preview.locator("pre.payload").text_content())
    assert payload["disclosure"]["basis"] == "related_agency" and payload["disclosure"]["recipient"] == "ccib"
    assert "complainant.address" not in payload["disclosure"]["fields"]
    assert "address" not in payload["complainant"] and payload["complainant"]["phone"] == "+66898765432"
    shown_sha = preview.locator(".sha").text_content().strip()
    assert hashlib.sha256(canonical(payload)).hexdigest() == shown_sha  # the JSON shown is the payload hashed
    page.screenshot(path=str(shots / "07-desk-case-th.png"), full_page=True)
    # route under a basis: related-agency operation to the police cyber unit
    page.select_option("#basis-ccib", "related_agency")
    page.click("#route-ccib")
    page.wait_for_load_state()
    assert c.referrals.get(agency__code="ccib").payload_sha256 == shown_sha  # what was previewed is what went
    context.close()

    context, page = _page(browser)
    _staff_login(page, site, "police-b")
    page.screenshot(path=str(shots / "08-agency-inbox-th.png"), full_page=True)
    page.click(f"text={reference}")
    page.click("#acknowledge")
    page.wait_for_load_state()
    page.fill("#update-text", "เปิดสำนวนการสอบสวนแล้ว")
    page.click("#post-update")
    page.wait_for_load_state()
    page.screenshot(path=str(shots / "09-agency-case-th.png"), full_page=True)
    context.close()

    context, page = _page(browser)
    page.goto(site + "/track/")
    page.fill("#reference", reference)
    page.fill("#tracking_code", code)
    page.click("#track")
    page.wait_for_selector("#status")
    assert "เปิดสำนวนการสอบสวนแล้ว" in page.inner_text("#status")
    context.close()


def test_privacy_officer_answers_an_access_request(browser, site, shots, user_factory):
    """clause: OCC-11, MOST-5"""
    from complaints.models import Category, Role
    from complaints.services.intake import complaint_register

    user_factory(Role.PRIVACY_OFFICER, "dpo-b")
    reg = complaint_register(
        channel="web",
        category=Category.objects.get(code="other"),
        description="ทดสอบ",
        identity={"email": "citizen@example.com"},
        acknowledge=False,
    )
    context, page = _page(browser)
    page.goto(site + "/my-data/")
    page.fill("#reference", reg.complaint.reference)
    page.fill("#tracking_code", reg.tracking_code)
    page.select_option("#type", "access")
    mail.outbox.clear()
    page.click("#send-request")
    page.wait_for_selector("#code")
    code = re.search(r": (\d{6}) \(", mail.outbox[-1].body).group(1)
    page.fill("#code", code)
    page.click("#verify")
    page.wait_for_selector("#request-received")
    context.close()

    context, page = _page(browser)
    _staff_login(page, site, "dpo-b")
    page.screenshot(path=str(shots / "10-privacy-desk-th.png"), full_page=True)
    page.click("table tbody tr a")
    page.fill("#grant-note", "ส่งสำเนาข้อมูล")
    page.click("#grant")
    page.wait_for_load_state()
    assert page.locator("#export").count() == 1
    page.screenshot(path=str(shots / "11-privacy-request-th.png"), full_page=True)
    context.close()
    from privacy.ops.models import DataSubjectRequest

    assert DataSubjectRequest.objects.get().status == "completed"
