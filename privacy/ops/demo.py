"""Demo records of processing and the first privacy-policy version (idempotent)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

from privacy.processors import processors_demo_load

from .models import PolicyNotice, PolicyVersion, ProcessingActivity

ACTIVITIES = [
    {
        "code": "complaint_intake",
        "name": "Complaint intake and handling",
        "purpose": "Receive, examine and resolve complaints about online problems and contact the complainant (OCC-1)",
        "data_collected": [
            "name (optional)",
            "phone or e-mail",
            "address (optional)",
            "complaint description",
            "evidence files",
            "call recordings",
            "fax images",
        ],
        "data_subjects": "complainants",
        "legal_basis": "public task (PDPA s.24(4)); consent where the law requires it (OCC-13)",
        "retention": "personal data anonymised after the configured period from case closure unless a legal hold applies",
        "access": "centre agents and supervisors on a need-to-know basis; every read logged (DD-4)",
        "security_measures": "role-scoped access, access log, masked audit log, Argon2 passwords, TOTP for staff, "
        "TLS, evidence outside the web root",
    },
    {
        "code": "referral",
        "name": "Referral to related agencies",
        "purpose": "Pass cases to the agency able to act (OCC-7(b))",
        "data_collected": ["fields allowed by each agency's data-sharing agreement"],
        "data_subjects": "complainants",
        "legal_basis": "consent, related-agency operation under agreement, or law / official order (OCC-7)",
        "retention": "transfer log kept permanently as evidence (no personal values in it)",
        "access": "agency officers see only cases referred to their agency",
        "security_measures": "disclosure gate, field minimisation and redaction, signed delivery, hash-chained transfer log",
    },
    {
        "code": "traffic_log",
        "name": "Computer traffic data",
        "purpose": "Security and the legal duty to keep traffic data (KC-2, CCA s.26); aggregate statistics (MOST-1)",
        "data_collected": ["IP address", "user agent", "host", "path", "referrer", "time"],
        "data_subjects": "website, app and e-mail users",
        "legal_basis": "legal obligation (Computer-Related Crime Act s.26)",
        "retention": "at least 90 days; longer only on an official's order, up to the configured ceiling",
        "access": "privacy officer and auditors",
        "security_measures": "kept apart from complaints; purged daily in batches; holds logged",
    },
]

POLICY_TH = (
    "ศูนย์รับเรื่องร้องเรียนปัญหาออนไลน์ 1212 จัดเก็บเฉพาะข้อมูลที่จำเป็นต่อภารกิจและการติดต่อท่าน "
    "ไม่เปิดเผยข้อมูลแก่บุคคลที่สาม เว้นแต่ได้รับความยินยอม เป็นการดำเนินงานระหว่างหน่วยงานที่เกี่ยวข้อง "
    "หรือเป็นการปฏิบัติตามกฎหมายหรือคำสั่งของพนักงานเจ้าหน้าที่ ท่านมีสิทธิขอตรวจสอบ แก้ไข เพิ่มเติม และลบข้อมูล"
)
POLICY_EN = (
    "The 1212 Online Complaint Center keeps only the data its mission and contacting you require. It discloses "
    "nothing to third parties except with your consent, for operations between related agencies, or under law "
    "or an official order. You may inspect, correct, add to and delete your data."
)


def demo_privacy_load() -> None:
    processors_demo_load()
    for row in ACTIVITIES:
        ProcessingActivity.objects.update_or_create(
            code=row["code"], defaults={k: v for k, v in row.items() if k != "code"}
        )
    policy, created = PolicyVersion.objects.get_or_create(
        version="1.0",
        defaults={
            "title_th": "นโยบายการคุ้มครองข้อมูลส่วนบุคคล",
            "title_en": "Privacy policy",
            "body_th": POLICY_TH,
            "body_en": POLICY_EN,
            "effective_at": datetime(2026, 1, 1, tzinfo=ZoneInfo("Asia/Bangkok")),
        },
    )
    if not policy.published_at:
        policy.published_at = timezone.now()
        policy.save(update_fields=["published_at"])
        PolicyNotice.objects.create(
            policy=policy,
            text_th="ประกาศนโยบายการคุ้มครองข้อมูลส่วนบุคคล ฉบับ 1.0",
            text_en="Privacy policy version 1.0 published",
        )
