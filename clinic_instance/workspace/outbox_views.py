"""Administrators' page of the messages to patients that did not go out, and its two actions.

The page lists rows of the outbox with the recipient masked and without the
text; the actions are POSTs that call clinic_instance.outbox_review. A message
that does not exist or is no longer in the status the administrator saw is
"not found", whichever it is.
"""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from .. import outbox_review
from ..models import OutgoingMessage
from .access import administrator_required
from .rendering import render_workspace

Status = OutgoingMessage.Status
MESSAGES_PER_PAGE = 50
FILTERED_STATUSES = (Status.FAILED, Status.UNKNOWN, Status.CAPPED, Status.PENDING, Status.SENT, Status.CANCELLED)
KEPT_QUERY = ("status", "channel", "page")  # what an action's redirect keeps of the list's address


class OutboxFilterForm(forms.Form):
    """The list's filters, from GET; no status means "did not go out" (failed, interrupted or held back)."""

    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("Did not go out")), *((s.value, s.label) for s in FILTERED_STATUSES)],
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"),
        required=False,
        choices=[("", gettext_lazy("Any")), *OutgoingMessage.Channel.choices],
    )


@require_GET
@administrator_required
def message_outbox(request: HttpRequest) -> HttpResponse:
    filters = {key: value for key, value in request.GET.items() if key != "page" and value}
    form = OutboxFilterForm(filters or None)
    if form.is_bound and not form.is_valid():
        listed = OutgoingMessage.objects.none()
    else:
        data = form.cleaned_data if form.is_bound else {}
        statuses = [data["status"]] if data.get("status") else outbox_review.DID_NOT_GO_OUT
        listed = outbox_review.messages_to_review(statuses=statuses, channel=data.get("channel", ""))
    page = Paginator(listed, MESSAGES_PER_PAGE).get_page(request.GET.get("page"))
    for message in page.object_list:
        message.masked_recipient = outbox_review.mask_recipient(message.recipient)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "here": request.GET.urlencode(),
        "counts": _count_links(outbox_review.outbox_counts()),
    }
    return render_workspace(
        request,
        "clinic_instance/workspace/message_outbox.html",
        context,
        section="message-templates",
        status=400 if form.errors else 200,
    )


@require_POST
@administrator_required
def resend_message(request: HttpRequest, message_id: int) -> HttpResponse:
    try:
        message = outbox_review.resend(message_id, now=timezone.now(), expected=_expected(request), request=request)
    except outbox_review.NotActionable:
        raise Http404 from None
    messages.success(
        request,
        _("Message %(id)s is back in the queue: it goes out within a minute, or after the quiet hours for an SMS.")
        % {"id": message.pk},
    )
    return _back_to_list(request)


@require_POST
@administrator_required
def mark_message_handled(request: HttpRequest, message_id: int) -> HttpResponse:
    try:
        message = outbox_review.mark_handled(message_id, expected=_expected(request), request=request)
    except outbox_review.NotActionable:
        raise Http404 from None
    messages.success(request, _("Message %(id)s is marked as handled; it will not be sent.") % {"id": message.pk})
    return _back_to_list(request)


def _expected(request: HttpRequest) -> str:
    """The status the administrator saw; the action applies only if the message is still in it."""
    status = request.POST.get("status", "")
    if status not in outbox_review.RESENDABLE | outbox_review.HANDLEABLE:
        raise Http404
    return status


def _back_to_list(request: HttpRequest) -> HttpResponse:
    """The list with the filters it was shown with (only known keys: the field comes from the form)."""
    shown = QueryDict(request.POST.get("back", ""))
    kept = QueryDict(mutable=True)
    for key in KEPT_QUERY:
        if shown.get(key):
            kept[key] = shown[key]
    address = reverse("workspace:message-outbox")
    return redirect(f"{address}?{kept.urlencode()}" if kept else address)


def _count_links(counts: dict[str, int]) -> list[dict]:
    """The summary at the top: "3 failed, 1 interrupted, 2 held back, 12 waiting", each a link to its filter
    (the held-back count only when there are some)."""
    wording = {
        Status.FAILED: lambda n: ngettext("%(count)d failed", "%(count)d failed", n),
        Status.UNKNOWN: lambda n: ngettext("%(count)d interrupted", "%(count)d interrupted", n),
        Status.CAPPED: lambda n: ngettext("%(count)d held back", "%(count)d held back", n),
        Status.PENDING: lambda n: ngettext("%(count)d waiting", "%(count)d waiting", n),
    }
    return [
        {"status": status, "count": counts[status], "text": say(counts[status]) % {"count": counts[status]}}
        for status, say in wording.items()
        if counts[status] or status != Status.CAPPED  # rare: named only when there are some
    ]
