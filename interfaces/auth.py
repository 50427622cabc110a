"""Staff log-in with a second factor (TOTP, django-otp) for every staff role; log-out (DD-5);
sessions that expire after a period without activity as well as at their absolute age."""

from __future__ import annotations

import base64
import io
import time
from functools import wraps

import qrcode
import qrcode.image.svg
from django.contrib.auth import authenticate, login, logout
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from complaints.access import Can, actor_can, is_staff_member
from occ.api.session import SEEN, session_idle_expired

# Where each kind of staff member starts, by what they may do (first match wins).
HOMES = (
    (Can.CASE_WORK, "desk:queue"),
    (Can.AGENCY_INBOX, "agency:inbox"),
    (Can.PRIVACY_READ, "privacydesk:requests"),
)
NEXT = "desk_next"  # session key: where to go after the second factor


def home_url(user) -> str:
    """The page a staff member starts on."""
    for capability, name in HOMES:
        if actor_can(user, capability):
            return reverse(name)
    return reverse("desk:queue")


def staff_page(capability: Can | None = None):
    """A desk page: logged in, second factor passed, not idle too long, and the capability held
    (the access layer decides; else 404: no existence oracle). ``None``: any staff member."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return HttpResponseRedirect(f"{reverse('desk:login')}?next={request.path}")
            if session_idle_expired(request):
                logout(request)
                return HttpResponseRedirect(f"{reverse('desk:login')}?expired=1")
            if not user.is_verified():
                return HttpResponseRedirect(reverse("desk:otp"))
            if not is_staff_member(user) or (capability is not None and not actor_can(user, capability)):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def _safe_next(request, value: str) -> str:
    if (
        value
        and value.startswith("/")
        and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()})
    ):
        return value
    return ""


@require_http_methods(["GET", "POST"])
def login_view(request):
    error = ""
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next", ""))
    if request.method == "POST":
        user = authenticate(
            request, username=request.POST.get("username", ""), password=request.POST.get("password", "")
        )
        if user is not None and getattr(user, "role", None):
            login(request, user)
            request.session[SEEN] = int(time.time())
            if next_url:
                request.session[NEXT] = next_url
            return HttpResponseRedirect(reverse("desk:otp"))
        error = "invalid"
    return render(
        request,
        "desk/login.html",
        {"error": error, "next": next_url, "expired": request.GET.get("expired") == "1"},
        status=400 if error else 200,
    )


def _qr_svg(url: str) -> str:
    img = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buf = io.BytesIO()
    img.save(buf)
    return base64.b64encode(buf.getvalue()).decode()


@require_http_methods(["GET", "POST"])
def otp_view(request):
    user = request.user
    if not user.is_authenticated:
        return HttpResponseRedirect(reverse("desk:login"))
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    enrolling = device is None
    if enrolling:
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first() or TOTPDevice.objects.create(
            user=user, name="authenticator", confirmed=False
        )
    error = ""
    if request.method == "POST":
        if device.verify_token(request.POST.get("token", "").strip()):
            if enrolling:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
            otp_login(request, device)
            request.session[SEEN] = int(time.time())
            target = request.session.pop(NEXT, "") or home_url(user)
            return HttpResponseRedirect(target)
        error = "invalid"
    ctx = {"enrolling": enrolling, "error": error}
    if enrolling:
        ctx.update(qr=_qr_svg(device.config_url), secret=base64.b32encode(device.bin_key).decode())
    return render(request, "desk/otp.html", ctx, status=400 if error else 200)


@require_http_methods(["POST"])
def logout_view(request):
    logout(request)
    return HttpResponseRedirect(reverse("desk:login"))
