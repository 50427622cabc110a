"""Finding and normalising the other party's indicators in a complaint (pure functions, no database).

One normal form per kind, so the same account, number or site written any way finds the same row:

- bank account: digits only (10 or 12), with the bank when it is named (Bank of Thailand code);
- PromptPay: ``0XXXXXXXXX``-style mobile as E.164, or the 13-digit national-ID form;
- phone: E.164 (``phonenumbers``, Thailand by default);
- URL: no scheme, no ``www.``, host lower-cased and IDN as punycode, default port, fragment and
  tracking parameters dropped, the other parameters sorted, no trailing slash;
- domain: the registrable domain of a URL (Public Suffix List bundled with ``tldextract``; it never
  fetches a list), except the shared platforms where a domain says nothing (facebook.com, ...);
- e-mail: lower-cased; LINE ID: lower-cased, without ``@``/``~``; social profile: platform/handle.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit

import phonenumbers

from occ.phones import thai_e164, thai_national_pattern


class Kind:
    BANK_ACCOUNT = "bank_account"
    PROMPTPAY = "promptpay"
    PHONE = "phone"
    URL = "url"
    DOMAIN = "domain"
    EMAIL = "email"
    LINE = "line"
    SOCIAL = "social"

    ALL = (BANK_ACCOUNT, PROMPTPAY, PHONE, URL, DOMAIN, EMAIL, LINE, SOCIAL)


@dataclass(frozen=True)
class Found:
    kind: str
    value: str
    bank: str = ""  # Bank of Thailand code of a named bank, e.g. "004"
    source: str = "text"  # "text" or the field it came from
    field: str = ""


# Thai banks: Bank of Thailand code, short code, and the names people write (lower-cased).
BANKS: dict[str, tuple[str, tuple[str, ...]]] = {
    "002": ("BBL", ("bbl", "bangkok bank", "ธนาคารกรุงเทพ", "ธ.กรุงเทพ", "กรุงเทพ")),
    "004": ("KBANK", ("kbank", "k-bank", "kasikorn", "กสิกรไทย", "กสิกร")),
    "006": ("KTB", ("ktb", "krungthai", "krung thai", "กรุงไทย")),
    "011": ("TTB", ("ttb", "tmb", "thanachart", "ทีเอ็มบีธนชาต", "ทีทีบี", "ทหารไทย", "ธนชาต")),
    "014": ("SCB", ("scb", "siam commercial", "ไทยพาณิชย์")),
    "022": ("CIMBT", ("cimb", "ซีไอเอ็มบี")),
    "024": ("UOBT", ("uob", "ยูโอบี")),
    "025": ("BAY", ("bay", "krungsri", "กรุงศรี")),
    "030": ("GSB", ("gsb", "government savings", "ออมสิน")),
    "033": ("GHB", ("ghb", "อาคารสงเคราะห์", "ธอส")),
    "034": ("BAAC", ("baac", "ธ.ก.ส", "ธกส")),
    "066": ("ISBT", ("ibank", "islamic bank", "ธนาคารอิสลาม")),
    "067": ("TISCO", ("tisco", "ทิสโก้")),
    "069": ("KKP", ("kkp", "kiatnakin", "เกียรตินาคิน")),
    "073": ("LHB", ("lh bank", "lhbank", "แลนด์ แอนด์ เฮ้าส์")),
}
BANK_NAMES = {code: short for code, (short, _) in BANKS.items()}
_BANK_ALIASES = sorted(
    ((alias, code) for code, (short, aliases) in BANKS.items() for alias in aliases), key=lambda a: -len(a[0])
)
_BANK_RE = re.compile("|".join(re.escape(a) for a, _ in _BANK_ALIASES))
_BANK_BY_ALIAS = dict(_BANK_ALIASES)
_BANK_CODE_RE = re.compile(r"(?<![\d\-])(0\d{2})(?![\d\-])")

_ACCOUNT_WORDS = ("บัญชี", "บช", "account", "acct", "acc", "a/c", "โอนเข้า", "โอนไป", "โอนเงิน", "transfer")
_PROMPTPAY_WORDS = ("พร้อมเพย์", "พร้อมเพ", "promptpay", "prompt pay")
_PHONE_WORDS = ("โทร", "เบอร์", "phone", "tel", "mobile", "call", "มือถือ", "sms", "whatsapp")

# Digit runs that may be an account, a phone number or a PromptPay id: digits with spaces, dashes,
# dots or brackets between them, 9 to 15 digits in all.
_NUMBER_RE = re.compile(r"(?<![\w+])\+?\(?\d[\d\-\s.()]{7,22}\d(?![\w])")
_EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_URL_RE = re.compile(
    r"(?i)\b(?:https?://[^\s<>\"'/?#]+(?:[/?#][^\s<>\"']*)?|www\.[A-Za-z0-9.-]+(?:[/?#][^\s<>\"']*)?"
    r"|(?<![@\w.-])[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}(?:/[^\s<>\"']*)?)"
)
_LINE_RE = re.compile(r"(?i)(?:\bline\s*(?:id)?|ไลน์|ไอดีไลน์)\s*[:：]?\s*([@~]?[a-z0-9._-]{3,30})")
_TRAILING = ".,;:!?)]}'\"“”’"

TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "igshid",
        "igsh",
        "mc_cid",
        "mc_eid",
        "yclid",
        "msclkid",
        "_ga",
        "_gl",
        "si",
        "ref",
        "ref_src",
        "spm",
        "share_id",
        "mibextid",
    }
)
# Platforms shared by everyone: their domain links nothing; a profile on them is a social indicator.
SOCIAL_HOSTS = {
    "facebook.com": "facebook",
    "fb.com": "facebook",
    "m.facebook.com": "facebook",
    "instagram.com": "instagram",
    "tiktok.com": "tiktok",
    "x.com": "x",
    "twitter.com": "x",
    "youtube.com": "youtube",
    "t.me": "telegram",
}
SHARED_DOMAINS = frozenset(
    {
        *SOCIAL_HOSTS,
        "line.me",
        "google.com",
        "gmail.com",
        "bit.ly",
        "shopee.co.th",
        "lazada.co.th",
        "youtu.be",
        "forms.gle",
        "linktr.ee",
        "tinyurl.com",
        "hotmail.com",
        "outlook.com",
        "yahoo.com",
    }
)
_SOCIAL_RESERVED = frozenset(
    {
        "",
        "share",
        "sharer",
        "sharer.php",
        "watch",
        "groups",
        "events",
        "pages",
        "marketplace",
        "p",
        "reel",
        "reels",
        "stories",
        "hashtag",
        "home.php",
    }
)


@lru_cache(maxsize=1)
def _suffix_rules() -> frozenset[str]:
    """The ICANN section of the Public Suffix List as bundled with ``tldextract`` (never fetched,
    never cached on disk), with IDN rules in punycode too. Read once per process."""
    import tldextract

    extractor = tldextract.TLDExtract(
        suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True, include_psl_private_domains=False
    )
    rules = set()
    for rule in extractor._get_tld_extractor().tlds_excl_private:
        rules.add(rule)
        if not rule.isascii():
            try:
                rules.add(
                    ".".join(p if p in ("*", "!") else p.encode("idna").decode() for p in rule.split("."))
                )
            except UnicodeError:
                pass
    return frozenset(rules)


@lru_cache(maxsize=4096)
def registrable_domain(host: str) -> str:
    """The registrable domain (public suffix plus one label), or "" when the host has no known
    public suffix. The Public Suffix List algorithm over the bundled rules, a few microseconds."""
    rules = _suffix_rules()
    labels = host.lower().strip(".").split(".")
    for i in range(len(labels)):
        candidate = ".".join(labels[i:])
        if "!" + candidate in rules:
            start = i + 1
            break
        if candidate in rules or (i + 1 < len(labels) and "*." + ".".join(labels[i + 1 :]) in rules):
            start = i
            break
    else:
        return ""
    if start == 0:
        return ""
    return ".".join(labels[start - 1 :])


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def bank_in(text: str) -> str:
    """The Bank of Thailand code of the first bank named in the text, or ""."""
    m = _BANK_RE.search(text.lower())
    if m:
        return _BANK_BY_ALIAS[m.group(0)]
    m = _BANK_CODE_RE.search(text)  # a bank written by its code, e.g. "004" (not a group of an account)
    if m and m.group(1) in BANKS:
        return m.group(1)
    return ""


def normalise_phone(raw: str) -> str:
    """E.164, or "" when it is not a valid number (Thailand assumed without a country code)."""
    raw = (raw or "").strip()
    digits = _digits(raw)
    if len(digits) < 8:
        return ""
    if not raw.startswith("+") and digits[0] == "0" and digits[1:2] != "0":
        # the common case, a Thai number in national form: phonenumbers' TH patterns, no parse
        national = digits[1:]
        return f"+66{national}" if thai_national_pattern().fullmatch(national) else ""
    if raw.startswith("+") and (fast := thai_e164(raw)):
        return fast  # a Thai mobile or fixed line with its country code (the complainant's)
    try:
        number = phonenumbers.parse(raw, "TH")
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_account(raw: str) -> str:
    digits = _digits(raw or "")
    return digits if 10 <= len(digits) <= 12 else ""


def normalise_promptpay(raw: str) -> str:
    digits = _digits(raw or "")
    if len(digits) == 13:
        return digits
    return normalise_phone(raw)


def _host_idna(host: str) -> str:
    host = host.strip(".").lower()
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def normalise_url(raw: str) -> tuple[str, str]:
    """(normalised URL, host) or ("", "") when it is not a web address."""
    raw = (raw or "").strip().rstrip(_TRAILING)
    if not raw:
        return "", ""
    if "://" not in raw:
        raw = "http://" + raw
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        return "", ""
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return "", ""
    host = _host_idna(parts.hostname)
    if host.startswith("www."):
        host = host[4:]
    if "." not in host:
        return "", ""
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in TRACKING_PARAMS
    )
    path = parts.path.rstrip("/")
    value = host + path + (f"?{urlencode(query)}" if query else "")
    return value, host.split(":")[0]


def social_profile(host: str, url: str) -> tuple[str, str]:
    """(kind, value) for a profile on a social platform or LINE, else ("", "")."""
    path = url[len(host) :] if url.startswith(host) else url.split("/", 1)[-1]
    segments = [s for s in path.split("?")[0].split("/") if s]
    if host == "line.me" or host.endswith(".line.me"):
        # line.me/ti/p/~someid or line.me/R/ti/p/@shop
        if segments and segments[-1][:1] in ("~", "@"):
            return Kind.LINE, segments[-1][1:].lower()
        return "", ""
    platform = SOCIAL_HOSTS.get(host) or SOCIAL_HOSTS.get(host.removeprefix("m."))
    if not platform or not segments:
        return "", ""
    if platform == "facebook" and segments[0] == "profile.php":
        query = dict(parse_qsl(url.partition("?")[2]))
        return (Kind.SOCIAL, f"facebook/id:{query['id']}") if query.get("id") else ("", "")
    handle = segments[0].lower().lstrip("@")
    if handle in _SOCIAL_RESERVED:
        return "", ""
    return Kind.SOCIAL, f"{platform}/{handle}"


def _url_indicators(raw: str, source: str, field: str) -> list[Found]:
    value, host = normalise_url(raw)
    if not value:
        return []
    kind, profile = social_profile(host, value)
    if kind:
        return [Found(kind, profile, source=source, field=field)]
    if host in SHARED_DOMAINS and "/" not in value:
        return []
    out = [Found(Kind.URL, value, source=source, field=field)]
    domain = registrable_domain(host)
    if domain and domain not in SHARED_DOMAINS:
        out.append(Found(Kind.DOMAIN, domain, source=source, field=field))
    return out


def _context(text: str, start: int, width: int = 40) -> str:
    return text[max(0, start - width) : start].lower()


def _number_indicator(raw: str, before: str, after: str) -> Found | None:
    """What a run of digits in free text is, from its form and the words before it."""
    digits = _digits(raw)
    near = before[-25:]
    if any(w in near for w in _PROMPTPAY_WORDS):
        value = normalise_promptpay(raw)
        return Found(Kind.PROMPTPAY, value) if value else None
    if len(digits) == 13:
        return None  # a national ID number outside a PromptPay context is never an indicator
    bank = bank_in(before[-30:] + " " + after[:20])
    account_context = bank or any(w in near for w in _ACCOUNT_WORDS)
    phone_context = any(w in near for w in _PHONE_WORDS)
    if account_context and not phone_context and 10 <= len(digits) <= 12:
        return Found(Kind.BANK_ACCOUNT, digits, bank=bank)
    phone = normalise_phone(raw)
    if phone:
        return Found(Kind.PHONE, phone)
    if 10 <= len(digits) <= 12 and ("-" in raw or account_context):
        return Found(Kind.BANK_ACCOUNT, digits, bank=bank)
    return None


def from_text(text: str) -> list[Found]:
    """Indicators in free text (description, a fax transcription, an e-mail body)."""
    if not text:
        return []
    found: list[Found] = []
    taken: list[tuple[int, int]] = []
    for m in _EMAIL_RE.finditer(text) if "@" in text else ():
        found.append(Found(Kind.EMAIL, m.group(0).lower().rstrip(_TRAILING)))
        taken.append(m.span())
    for m in _URL_RE.finditer(text) if "." in text else ():
        if any(a <= m.start() < b for a, b in taken):
            continue
        raw = m.group(0)
        if (
            "://" not in raw
            and not raw.lower().startswith("www.")
            and not registrable_domain(raw.split("/")[0])
        ):
            continue  # "e.g" or "file.txt": no known public suffix
        if raw.replace(".", "").isdigit():
            continue
        found.extend(_url_indicators(raw, "text", ""))
        taken.append(m.span())
    for m in _LINE_RE.finditer(text):
        value = m.group(1).lstrip("@~").lower().rstrip(_TRAILING)
        if value and not value.isdigit():
            found.append(Found(Kind.LINE, value))
            taken.append(m.span())
    for m in _NUMBER_RE.finditer(text):
        if any(a <= m.start() < b for a, b in taken):
            continue
        raw = m.group(0).strip().rstrip(_TRAILING)
        one = _number_indicator(raw, _context(text, m.start()), text[m.end() : m.end() + 20].lower())
        if one:
            found.append(one)
    return found


def from_fields(*, account: str = "", phone: str = "", url: str = "") -> list[Found]:
    """Indicators in the incident fields (the other party's account, phone and website)."""
    out: list[Found] = []
    if account:
        low = account.lower()
        if any(w in low for w in _PROMPTPAY_WORDS):
            value = normalise_promptpay(account)
            if value:
                out.append(Found(Kind.PROMPTPAY, value, source="field", field="other_party_account"))
        else:
            value = normalise_account(account)
            if value:
                out.append(
                    Found(
                        Kind.BANK_ACCOUNT,
                        value,
                        bank=bank_in(account),
                        source="field",
                        field="other_party_account",
                    )
                )
            elif phone_value := normalise_phone(account):  # a phone number as the "account": PromptPay
                out.append(Found(Kind.PROMPTPAY, phone_value, source="field", field="other_party_account"))
    if phone:
        value = normalise_phone(phone)
        if value:
            out.append(Found(Kind.PHONE, value, source="field", field="other_party_phone"))
    if url:
        out.extend(_url_indicators(url, "field", "incident_url"))
    return out


def own_values(*, phone: str = "", email: str = "", national_id: str = "") -> frozenset[str]:
    """The complainant's own contact values in indicator form: these are never indicators."""
    values = set()
    if phone:
        values.add(normalise_phone(phone) or phone)
    if email:
        values.add(email.strip().lower())
    if national_id:
        values.add(_digits(national_id))
    return frozenset(v for v in values if v)


def extract(
    *,
    description: str = "",
    account: str = "",
    phone: str = "",
    url: str = "",
    own: frozenset[str] = frozenset(),
) -> list[Found]:
    """Every indicator of one complaint, fields first, each (kind, value) once; the complainant's
    own values left out."""
    seen: dict[tuple[str, str], Found] = {}
    for f in (*from_fields(account=account, phone=phone, url=url), *from_text(description)):
        if f.value in own:
            continue
        key = (f.kind, f.value)
        if key not in seen:
            seen[key] = f
        elif f.bank and not seen[key].bank:
            seen[key] = Found(f.kind, f.value, f.bank, seen[key].source, seen[key].field)
    return list(seen.values())


def normalise_query(raw: str) -> list[tuple[str, str]]:
    """Every (kind, value) a staff search could mean, for a value typed in any format."""
    raw = (raw or "").strip()
    if not raw:
        return []
    out: list[tuple[str, str]] = []
    if "@" in raw and " " not in raw and "/" not in raw:
        out.append((Kind.EMAIL, raw.lower()))
    digits = _digits(raw)
    letters = re.sub(r"[\d\s\-+().]", "", raw)
    if digits and not letters:
        phone = normalise_phone(raw)
        if phone:
            out += [(Kind.PHONE, phone), (Kind.PROMPTPAY, phone)]
        if 10 <= len(digits) <= 12:
            out.append((Kind.BANK_ACCOUNT, digits))
        if len(digits) == 13:
            out.append((Kind.PROMPTPAY, digits))
        return out
    if "." in raw or "/" in raw:
        for f in _url_indicators(raw, "text", ""):
            out.append((f.kind, f.value))
    if not out:
        out.append((Kind.LINE, raw.lstrip("@~").lower()))
    return out
