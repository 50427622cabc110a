"""Queues, search and the quarantine of machine input. Every list comes from the selectors the
staff API uses (complaints.selectors.complaint_list, channels_intake.selectors); every page that
shows personal data writes the read to the access log."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from channels_intake.models import InboundItem
from channels_intake.selectors import inbound_quarantine_list
from channels_intake.services import inbound_reprocess
from channels_intake.telephony import selectors as tel
from complaints import selectors
from complaints.access import Can, actor_can
from complaints.models import Channel, Status
from complaints.services import lifecycle
from privacy.minimum_data import normalise_phone

from ..auth import home_url, staff_page

OPEN = ~Q(status__in=list(lifecycle.TERMINAL))
PAGE = 100
DUE_SOON = timedelta(days=2)
TABS = ("triage", "mine", "due", "overdue", "quarantine")


def _filters(params) -> selectors.ComplaintFilters:
    def date(name):
        return parse_date(params.get(name, "")) if params.get(name) else None

    phone = params.get("phone", "").strip()
    if phone:
        try:
            phone = normalise_phone(phone)
        except ValidationError:
            pass  # searched as typed: it matches nothing rather than failing the page
    return selectors.ComplaintFilters(
        status=params.get("status") or None,
        category=params.get("category") or None,
        channel=params.get("channel") or None,
        reference=params.get("reference") or None,
        phone=phone or None,
        email=params.get("email") or None,
        received_from=date("from"),
        received_to=date("to"),
        q=(params.get("q") or "").strip() or None,
    )


def _queue_rows(actor, tab: str):
    """The agent's queues on top of complaint_list (scoped to the actor)."""
    base = selectors.complaint_list(actor=actor, filters=selectors.ComplaintFilters()).filter(OPEN)
    now = timezone.now()
    if tab == "mine":
        return base.filter(assigned_to=actor).order_by("sla_due_at", "id")
    if tab == "due":
        return base.filter(sla_due_at__gte=now, sla_due_at__lt=now + DUE_SOON).order_by("sla_due_at", "id")
    if tab == "overdue":
        return base.filter(sla_due_at__lt=now).order_by("sla_due_at", "id")
    # new and triage: received (web, app, e-mail, phone) or without a category (faxes to transcribe)
    return base.filter(Q(status__in=[Status.RECEIVED, Status.REOPENED]) | Q(category__isnull=True)).order_by(
        "received_at", "id"
    )


@staff_page()
def queue(request):
    if not actor_can(request.user, Can.CASE_WORK):
        return HttpResponseRedirect(home_url(request.user))
    tab = request.GET.get("tab", "triage")
    if tab not in TABS:
        tab = "triage"
    ctx = {"tab": tab, "page_size": PAGE}
    if tab == "quarantine":
        ctx["items"] = list(inbound_quarantine_list(actor=request.user).defer("metadata")[:PAGE])
    else:
        rows = list(_queue_rows(request.user, tab)[:PAGE])
        selectors.personal_data_read_log(actor=request.user, complaints=rows, action="list")
        ctx["rows"] = rows
        ctx["faxes_waiting"] = set(
            tel.faxes_pending(actor=request.user)
            .filter(complaint_id__in=[c.pk for c in rows])
            .values_list("complaint_id", flat=True)
        )
        ctx["now"] = timezone.now()
    template = "desk/_queue_body.html" if request.htmx else "desk/queue.html"
    return render(request, template, ctx)


@require_POST
@staff_page(Can.INBOUND_REPROCESS)
def quarantine_reprocess(request, pk: int):
    """Run a quarantined item's processor again (after a fix), as `manage.py reprocess_inbound` does."""
    item = inbound_quarantine_list(actor=request.user).filter(pk=pk).first()
    if item is None:
        raise Http404
    item = inbound_reprocess(item_id=item.pk)
    if item.state == InboundItem.State.QUARANTINED:
        messages.error(request, _("Still quarantined: %(reason)s") % {"reason": item.reason})
    else:
        messages.success(
            request, _("Item %(pk)s: %(state)s") % {"pk": item.pk, "state": item.get_state_display()}
        )
    return HttpResponseRedirect(f"{reverse('desk:queue')}?tab=quarantine")


SEARCH_KEYS = ("reference", "phone", "email", "q", "category", "channel", "status", "from", "to")


@staff_page(Can.CASE_READ)
def search(request):
    rows = []
    searched = any(request.GET.get(k) for k in SEARCH_KEYS)
    if searched:
        rows = list(
            selectors.complaint_list(actor=request.user, filters=_filters(request.GET)).order_by(
                "-received_at", "-id"
            )[:PAGE]
        )
        selectors.personal_data_read_log(actor=request.user, complaints=rows, action="search")
    ctx = {
        "rows": rows,
        "searched": searched,
        "params": request.GET,
        "page_size": PAGE,
        "categories": selectors.category_list(),
        "channels": Channel.choices,
        "statuses": Status.choices,
        "now": timezone.now(),
    }
    return render(request, "desk/_search_results.html" if request.htmx else "desk/search.html", ctx)
