"""Extraction and normalisation of the other party's indicators (pure functions, no database)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from indicators.extract import (
    Kind,
    extract,
    normalise_query,
    normalise_url,
    own_values,
    registrable_domain,
)


def kinds(found):
    return {(f.kind, f.value) for f in found}


def test_bank_account_forms_normalise_to_digits_with_the_named_bank():
    for written in ("123-4-56789-0", "1234567890", "123 4 56789 0", "123-456789-0"):
        (f,) = extract(account=f"กสิกรไทย {written}")
        assert (f.kind, f.value, f.bank, f.source) == (Kind.BANK_ACCOUNT, "1234567890", "004", "field")
    (f,) = extract(account="SCB 123-4-56789-0")
    assert f.bank == "014"
    (f,) = extract(description="โอนเข้าบัญชีธนาคารไทยพาณิชย์ เลขที่ 123-4-56789-0 ไปแล้ว")
    assert (f.kind, f.value, f.bank, f.source) == (Kind.BANK_ACCOUNT, "1234567890", "014", "text")
    (f,) = extract(description="paid to account 123-456789-0 (bank code 006)")
    assert (f.value, f.bank) == ("1234567890", "006")


def test_phone_numbers_become_e164_and_promptpay_keeps_its_own_kind():
    for written in ("081-234-5678", "0812345678", "+66 81 234 5678", "(081) 234 5678"):
        assert kinds(extract(phone=written)) == {(Kind.PHONE, "+66812345678")}
    assert kinds(extract(description="โทรมาจากเบอร์ 02 123 4567")) == {(Kind.PHONE, "+6621234567")}
    assert kinds(extract(account="พร้อมเพย์ 081-234-5678")) == {(Kind.PROMPTPAY, "+66812345678")}
    assert kinds(extract(description="โอนพร้อมเพย์ 1-2345-67890-12-3")) == {(Kind.PROMPTPAY, "1234567890123")}
    # a 13-digit number outside a PromptPay context is a national ID: never an indicator
    assert extract(description="บัตรประชาชน 1-1037-00123-45-6") == []


def test_urls_are_normalised_and_give_their_registrable_domain():
    assert normalise_url("https://WWW.Shop.example/p?utm_source=x")[0] == "shop.example/p"
    assert normalise_url("http://shop.example:80/p/?b=2&a=1&fbclid=z#top")[0] == "shop.example/p?a=1&b=2"
    assert normalise_url("https://ร้านค้า.com/x")[0] == "xn--42c5b3a1dc8kd.com/x"
    found = kinds(extract(url="https://www.deals.scam-shop.co.th/item/9?utm_medium=fb"))
    assert found == {(Kind.URL, "deals.scam-shop.co.th/item/9"), (Kind.DOMAIN, "scam-shop.co.th")}
    assert kinds(extract(description="ดูที่ www.fakeshop.net นะ")) == {
        (Kind.URL, "fakeshop.net"),
        (Kind.DOMAIN, "fakeshop.net"),
    }
    assert registrable_domain("a.b.example.co.uk") == "example.co.uk"
    assert registrable_domain("localhost") == "" and registrable_domain("file.txt") == ""


def test_social_profiles_line_ids_and_emails():
    assert kinds(extract(url="https://m.facebook.com/John.Doe?ref=share")) == {
        (Kind.SOCIAL, "facebook/john.doe")
    }
    assert kinds(extract(description="IG https://www.instagram.com/cheap_iphone/")) == {
        (Kind.SOCIAL, "instagram/cheap_iphone")
    }
    # the platform's own domain links nothing
    assert (Kind.DOMAIN, "facebook.com") not in kinds(extract(url="https://facebook.com/x.y"))
    assert kinds(extract(description="แอดไลน์ @Shop_99 หรือ LINE ID: shop_99")) == {(Kind.LINE, "shop_99")}
    assert kinds(extract(url="https://line.me/ti/p/~shop_99")) == {(Kind.LINE, "shop_99")}
    assert kinds(extract(description="ส่งมาที่ Seller@Example.COM")) == {(Kind.EMAIL, "seller@example.com")}


def test_the_complainants_own_contact_values_are_never_indicators():
    own = own_values(phone="081 234 5678", email="Me@Example.com")
    found = extract(
        description="ติดต่อฉันที่ 0812345678 หรือ me@example.com ร้านค้าโทร 0898765432",
        own=own,
    )
    assert kinds(found) == {(Kind.PHONE, "+66898765432")}


def test_search_values_in_any_format_find_the_same_normal_form():
    assert (Kind.BANK_ACCOUNT, "1234567890") in normalise_query("123-4-56789-0")
    assert (Kind.BANK_ACCOUNT, "1234567890") in normalise_query("1234567890")
    assert (Kind.URL, "shop.example/p") in normalise_query("https://WWW.Shop.example/p?utm_source=x")
    assert (Kind.PHONE, "+66812345678") in normalise_query("+66 81-234-5678")


@given(st.text(max_size=300))
def test_extraction_never_fails_on_any_text(text):
    for f in extract(description=text):
        assert f.kind in Kind.ALL and f.value


@given(st.from_regex(r"\d{3}-\d-\d{5}-\d", fullmatch=True))
def test_any_dashed_account_normalises_to_its_digits(account):
    (f,) = extract(account=account)
    assert f.value == account.replace("-", "")
