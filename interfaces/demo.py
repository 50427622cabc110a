"""Demo data: categories, partner agencies and (default profile only) one user per role.

Idempotent: running it again updates the rows in place and creates nothing twice."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from complaints.models import Agency, Category, FieldPolicy, Role, User
from privacy.models import DataSharingAgreement
from privacy.processors import processors_demo_load
from routing.models import RoutingRule

CATEGORIES = [
    # code, Thai, English, SLA days, priority, allow anonymous
    ("online_shopping", "ซื้อขายสินค้าออนไลน์ไม่ได้รับสินค้าหรือถูกหลอกลวง", "Online shopping fraud", 15, "normal", True),
    (
        "financial_scam",
        "หลอกลวงทางการเงินหรือแก๊งคอลเซ็นเตอร์",
        "Financial scam / call-centre gang",
        7,
        "high",
        True,
    ),
    (
        "illegal_website",
        "เว็บไซต์หรือเนื้อหาผิดกฎหมายหรือไม่เหมาะสม",
        "Illegal or harmful website or content",
        15,
        "normal",
        True,
    ),
    ("data_privacy", "การละเมิดข้อมูลส่วนบุคคล", "Personal-data violation", 15, "normal", False),
    ("cyberbullying", "การกลั่นแกล้งหรือหมิ่นประมาททางออนไลน์", "Cyberbullying or defamation", 15, "normal", True),
    ("hacked_account", "บัญชีถูกแฮ็กหรือถูกสวมรอย", "Hacked account", 7, "high", False),
    ("other", "ปัญหาออนไลน์อื่น ๆ", "Other online problem", 30, "low", True),
]

AGENCIES = [
    {
        "code": "ccib",
        "short_name": "บช.สอท.",
        "name_th": "กองบัญชาการตำรวจสืบสวนสอบสวนอาชญากรรมทางเทคโนโลยี",
        "name_en": "Cyber Crime Investigation Bureau, Royal Thai Police",
        "phone": "1441",
        "website": "https://ccib.go.th",
    },
    {
        "code": "ocpb",
        "short_name": "สคบ.",
        "name_th": "สำนักงานคณะกรรมการคุ้มครองผู้บริโภค",
        "name_en": "Office of the Consumer Protection Board",
        "phone": "1166",
        "website": "https://www.ocpb.go.th",
    },
    {
        "code": "nbtc",
        "short_name": "สำนักงาน กสทช.",
        "name_th": "สำนักงานคณะกรรมการกิจการกระจายเสียง กิจการโทรทัศน์ และกิจการโทรคมนาคมแห่งชาติ",
        "name_en": "Office of the National Broadcasting and Telecommunications Commission",
        "phone": "1200",
        "website": "https://www.nbtc.go.th",
    },
    {
        "code": "pdpc",
        "short_name": "สคส.",
        "name_th": "สำนักงานคณะกรรมการคุ้มครองข้อมูลส่วนบุคคล",
        "name_en": "Office of the Personal Data Protection Committee",
        "website": "https://www.pdpc.or.th",
    },
    {  # seed 001
        "code": "dindaeng",
        "short_name": "",
        "name_th": "สำนักงานเขตดินแดง",
        "name_en": "Din Daeng District Office",
        "address": "ประชาสงเคราะห์ แขวงดินแดง เขตดินแดง กรุงเทพมหานคร 10400",
        "phone": "02 245 2658 ต่อ 5357",
        "email": "dindaeng.bma@gmail.com",
        "website": "https://webportal.bangkok.go.th/dindaeng",
    },
    {  # seed 002 publishes no contact point in its policy
        "code": "sso",
        "short_name": "สปส.",
        "name_th": "สำนักงานประกันสังคม",
        "name_en": "Social Security Office",
    },
    {  # seed 003
        "code": "most",
        "short_name": "วท.",
        "name_th": "กระทรวงวิทยาศาสตร์และเทคโนโลยี",
        "name_en": "Ministry of Science and Technology",
        "address": "75/47 ถนนพระราม 6 แขวงทุ่งพญาไท เขตราชเทวี กรุงเทพฯ 10400",
        "phone": "0 2333 3700 (Call Center 1313)",
        "fax": "0 2333 3833",
        "website": "https://www.most.go.th",
    },
    {  # seed 004
        "code": "konchim",
        "short_name": "อบต.คอนฉิม",
        "name_th": "องค์การบริหารส่วนตำบลคอนฉิม",
        "name_en": "Kon Chim Subdistrict Administrative Organization",
        "address": "229 หมู่ที่ 9 ตำบลคอนฉิม อำเภอเวียงใหญ่ จังหวัดขอนแก่น 40330",
        "phone": "0 4300 9664",
        "fax": "0 4300 9664",
        "website": "https://www.konchim.go.th",
    },
]

# username, role, agency code. Passwords are for the local demo only (default profile).
DEMO_USERS = [
    ("agent", Role.AGENT, None),
    ("supervisor", Role.SUPERVISOR, None),
    ("privacy", Role.PRIVACY_OFFICER, None),
    ("auditor", Role.AUDITOR, None),
    ("police", Role.AGENCY_OFFICER, "ccib"),
    ("admin", Role.ADMINISTRATOR, None),
]
DEMO_PASSWORD_SUFFIX = "-demo-1212"


def demo_password(username: str) -> str:
    return f"{username}{DEMO_PASSWORD_SUFFIX}"


@transaction.atomic
def demo_load(*, with_users: bool | None = None) -> dict[str, int]:
    for order, (code, th, en, sla, prio, anon) in enumerate(CATEGORIES):
        defaults = {
            "name_th": th,
            "name_en": en,
            "sla_days": sla,
            "default_priority": prio,
            "allow_anonymous": anon,
            "sort_order": order,
        }
        if code in ("data_privacy", "hacked_account"):
            # The centre must reach the owner of the data or account to act.
            defaults["policy_name"] = FieldPolicy.REQUIRED
        Category.objects.update_or_create(code=code, defaults=defaults)
    for row in AGENCIES:
        Agency.objects.update_or_create(
            code=row["code"], defaults={k: v for k, v in row.items() if k != "code"}
        )

    _routing_load()
    processors_demo_load()  # the SMS gateway and mail relay the demo hands codes and mail to

    users = 0
    allowed = getattr(settings, "OCC_DEMO_USERS_ALLOWED", False)
    if with_users is None:
        with_users = allowed
    if with_users and not allowed:
        raise RuntimeError("Demo users are never created outside the default profile.")
    if with_users:
        for username, role, agency_code in DEMO_USERS:
            agency = Agency.objects.get(code=agency_code) if agency_code else None
            user, created = User.objects.get_or_create(
                username=username, defaults={"role": role, "agency": agency}
            )
            user.role = role
            user.agency = agency
            user.is_staff = role in (Role.ADMINISTRATOR, Role.AUDITOR, Role.SUPERVISOR, Role.PRIVACY_OFFICER)
            user.is_superuser = role == Role.ADMINISTRATOR
            if created:
                user.set_password(demo_password(username))
            user.save()
            users += 1
    return {"categories": len(CATEGORIES), "agencies": len(AGENCIES), "users": users}


ID_AND_CASE = [
    "complainant.name",
    "complainant.phone",
    "complainant.email",
    "complaint.description",
    "complaint.incident",
    "complaint.attachments",
]
AGREEMENTS = [
    # agency, title, legal reference, categories, purposes, field profile
    (
        "ccib",
        "ข้อตกลงแลกเปลี่ยนข้อมูลเพื่อการสืบสวน / Investigation data-sharing agreement",
        "พ.ร.บ.ว่าด้วยการกระทำความผิดเกี่ยวกับคอมพิวเตอร์ พ.ศ. 2550; ป.วิ.อาญา ม.131",
        ["financial_scam", "online_shopping", "hacked_account", "illegal_website", "cyberbullying"],
        ["investigation"],
        ID_AND_CASE,
    ),
    (
        "ocpb",
        "ข้อตกลงคุ้มครองผู้บริโภค / Consumer-protection agreement",
        "พ.ร.บ.คุ้มครองผู้บริโภค พ.ศ. 2522",
        ["online_shopping"],
        ["consumer_protection"],
        ["complainant.name", "complainant.phone", "complaint.description", "complaint.incident"],
    ),
    (
        "nbtc",
        "ข้อตกลงกำกับกิจการโทรคมนาคม / Telecom regulation agreement",
        "พ.ร.ก.มาตรการป้องกันและปราบปรามอาชญากรรมทางเทคโนโลยี พ.ศ. 2566",
        ["financial_scam"],
        ["regulatory"],
        ["complaint.description", "complaint.incident"],
    ),
    (
        "pdpc",
        "ข้อตกลงคุ้มครองข้อมูลส่วนบุคคล / Personal-data protection agreement",
        "พ.ร.บ.คุ้มครองข้อมูลส่วนบุคคล พ.ศ. 2562 ม.71-72",
        ["data_privacy"],
        ["data_protection"],
        ID_AND_CASE,
    ),
    (
        "most",
        "สถิติภัยออนไลน์ (ไม่มีข้อมูลระบุตัวบุคคล) / Statistics (no identity)",
        "มติคณะรัฐมนตรีด้านสถิติภัยออนไลน์",
        [c[0] for c in CATEGORIES],
        ["statistics"],
        ["complaint.incident"],
    ),
]
RULES = [
    # category, agency, priority, purpose, keywords
    ("online_shopping", "ocpb", 10, "consumer_protection", ""),
    ("online_shopping", "ccib", 20, "investigation", ""),
    ("financial_scam", "ccib", 10, "investigation", ""),
    ("financial_scam", "nbtc", 20, "regulatory", "sms,ซิม,sim,โทร,call"),
    ("illegal_website", "ccib", 10, "investigation", ""),
    ("data_privacy", "pdpc", 10, "data_protection", ""),
    ("cyberbullying", "ccib", 10, "investigation", ""),
    ("hacked_account", "ccib", 10, "investigation", ""),
]


def _routing_load() -> None:
    from datetime import date

    for code, title, legal_ref, cats, purposes, profile in AGREEMENTS:
        agreement, _ = DataSharingAgreement.objects.update_or_create(
            agency=Agency.objects.get(code=code),
            title=title,
            defaults={
                "legal_reference": legal_ref,
                "purposes": purposes,
                "field_profile": profile,
                "valid_from": date(2026, 1, 1),
                "valid_until": date(2028, 12, 31),
                "is_active": True,
            },
        )
        agreement.categories.set(Category.objects.filter(code__in=cats))
    for cat, agency, prio, purpose, keywords in RULES:
        RoutingRule.objects.update_or_create(
            category=Category.objects.get(code=cat),
            agency=Agency.objects.get(code=agency),
            defaults={"priority": prio, "purpose": purpose, "keywords": keywords, "is_active": True},
        )
