"""The screen an agent fills while talking: the caller's number from the live call (CTI), earlier
complaints from that number at once, only the identity fields the category collects, the call's
recording. Filing is channels_intake.telephony's phone_complaint_register (the one intake path)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.translation import gettext as _

from channels_intake.telephony import selectors as tel
from channels_intake.telephony import services as tel_services
from complaints import selectors
from complaints.access import Can
from privacy.minimum_data import normalise_phone

from ..auth import staff_page
from ..common import identity_fields, validation_errors
from .media import recording_attach

# phone_complaint_register's error keys -> the form's error slots
ERROR_KEYS = {
    "phone": "complainant.phone",
    "caller_number": "complainant.phone",
    "name": "complainant.name",
    "email": "complainant.email",
    "address": "complainant.address",
    "contact": "complainant.contact",
}


def _call(request, call_id: str):
    if not call_id:
        return None
    call = tel.call_get(actor=request.user, call_id=call_id)  # 404 for an unknown call
    tel.calls_read_log(actor=request.user, calls=[call], action="view")
    return call


@staff_page(Can.CASE_WORK)
def phone(request):
    posted = request.method == "POST"
    call = _call(request, (request.POST if posted else request.GET).get("call_id" if posted else "call", ""))
    values = request.POST.dict() if posted else {"phone": call.caller_number if call else ""}
    category = selectors.category_list().filter(code=values.get("category", "")).first()
    errors: dict = {}
    if posted:
        try:
            if category is None:
                raise ValidationError({"category": [_("Choose a category.")]})
            registered = tel_services.phone_complaint_register(
                actor=request.user,
                caller_number=values.get("phone", ""),
                category=category,
                description=values.get("description", ""),
                name=values.get("name", ""),
                email=values.get("email", ""),
                address=values.get("address", ""),
                call=call,
            )
        except ValidationError as exc:
            errors = {ERROR_KEYS.get(k, k): v for k, v in validation_errors(exc).items()}
        else:
            complaint = registered.complaint
            upload = request.FILES.get("recording")
            if upload:
                recording_attach(request, complaint, upload)
            # The tracking code is shown once, here, for the agent to read out to the caller; it is
            # stored nowhere (not even in the session) and the page is not cached.
            response = render(
                request, "desk/phone_done.html", {"c": complaint, "code": registered.tracking_code}
            )
            response["Cache-Control"] = "no-store"
            return response
    live = list(tel.calls_recent(actor=request.user, active_only=True).order_by("-started_at")[:10])
    tel.calls_read_log(actor=request.user, calls=live, action="list")
    return render(
        request,
        "desk/phone.html",
        {
            "call": call,
            "values": values,
            "category": category,
            "errors": errors,
            "categories": selectors.category_list(),
            "identity_fields": identity_fields(category, values),
            "live_calls": live,
            "call_recordings": list(call.recordings.all()) if call else [],
        },
        status=400 if errors else 200,
    )


@staff_page(Can.CASE_WORK)
def phone_history(request):
    """htmx: earlier complaints from the number typed (or taken from the call); the look-up is logged."""
    rows, number = [], ""
    try:
        number = normalise_phone(request.GET.get("phone", ""))
    except ValidationError:
        pass
    if number:
        rows = tel.complaints_by_caller(actor=request.user, number=number)
    return render(request, "desk/phone_history.html", {"rows": rows, "number": number})


@staff_page(Can.CASE_WORK)
def phone_fields(request):
    """htmx: the identity fields of the chosen category."""
    category = selectors.category_list().filter(code=request.GET.get("category", "")).first()
    values = {k: request.GET.get(k, "") for k in ("phone", "name", "email", "address")}
    return render(
        request,
        "desk/phone_fields.html",
        {
            "category": category,
            "values": values,
            "errors": {},
            "identity_fields": identity_fields(category, values),
        },
    )
