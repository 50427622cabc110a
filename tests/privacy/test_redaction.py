"""The redactor shared by disclosure and erasure: identifiers replaced by visible markers."""

import phonenumbers
from hypothesis import given
from hypothesis import strategies as st

from privacy.redaction import marker, redact


def _check_digit(first12: str) -> str:
    total = sum(int(d) * (13 - i) for i, d in enumerate(first12))
    return str((11 - total % 11) % 10)


def _grouped(digits: str, sep: str) -> str:
    return sep.join([digits[0], digits[1:5], digits[5:10], digits[10:12], digits[12]])


@given(st.text(alphabet="0123456789", min_size=12, max_size=12), st.sampled_from(["", "-", " "]))
def test_valid_national_ids_are_redacted_in_any_grouping(first12, sep):
    nid = first12 + _check_digit(first12)
    r = redact(f"เลขบัตร {_grouped(nid, sep) if sep else nid} ครับ")
    assert nid not in r.text.replace(sep, "") and marker("national_id") in r.text
    assert r.found == {"national_id": 1}


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_13_digits_with_a_wrong_check_digit_are_not_called_an_id(first12):
    wrong = first12 + str((int(_check_digit(first12)) + 1) % 10)
    assert "national_id" not in redact(f"ref {wrong}").found


@given(
    st.sampled_from(["6", "8", "9"]),
    st.text(alphabet="0123456789", min_size=8, max_size=8),
    st.sampled_from(["plain", "dashed", "international"]),
)
def test_thai_mobile_numbers_are_redacted(prefix, rest, style):
    number = "0" + prefix + rest
    shown = {
        "plain": number,
        "dashed": f"{number[:3]}-{number[3:6]}-{number[6:]}",
        "international": f"+66 {number[1:3]} {number[3:6]} {number[6:]}",
    }[style]
    r = redact(f"ติดต่อ {shown} ได้")
    # Nothing of the number survives; a number the numbering plan allocates is named a phone.
    assert rest[-4:] not in r.text and sum(r.found.values()) == 1, (shown, r)
    if phonenumbers.is_valid_number(phonenumbers.parse(number, "TH")):
        assert r.text == "ติดต่อ [redacted: phone] ได้", (shown, r)


def test_email_and_bank_accounts():
    r = redact("ส่งมาที่ a.b+c@mail.example.co.th โอนเข้าบัญชี 123-4-56789-0 หรือ 9876543210 ยอด 1500 บาท")
    assert r.found == {"email": 1, "bank_account": 2}
    assert "1500" in r.text and "mail.example" not in r.text and "56789" not in r.text
    assert r.text.count("[redacted: bank account]") == 2


def test_keep_lets_an_entitled_recipient_see_a_kind():
    r = redact("โทร 0812345678 อีเมล x@example.com", keep={"phone"})
    assert "0812345678" in r.text and "x@example.com" not in r.text


def test_plain_text_is_untouched():
    text = "สั่งซื้อสินค้าราคา 2,500 บาท เมื่อวันที่ 3 พ.ย. 2569 ทางเพจ"
    assert redact(text).text == text and redact(text).found == {}
