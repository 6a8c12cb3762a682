"""The audit trail viewer and the clinic's data retention settings (administrators only)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import audit
from ..gdpr import purge_expired
from ..models import AuditEntry, Clinic
from .access import administrator_required
from .patient_forms import AuditFilterForm, RetentionForm
from .rendering import render_workspace

ENTRIES_PER_PAGE = 50


@administrator_required
@require_GET
def audit_trail(request: HttpRequest) -> HttpResponse:
    """Newest first, filtered by GET parameters; the actor's name comes from actor_label (no join)."""
    filters = {key: value for key, value in request.GET.items() if key != "page" and value}
    form = AuditFilterForm(filters or None)
    entries = AuditEntry.objects.order_by("-at", "-id")
    if form.is_bound:
        entries = form.filter(entries) if form.is_valid() else entries.none()
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render_workspace(
        request,
        "clinic_instance/workspace/audit.html",
        context,
        section="audit",
        status=400 if form.errors else 200,
    )


@administrator_required
@require_http_methods(["GET", "POST"])
def data_retention(request: HttpRequest) -> HttpResponse:
    clinic = Clinic.load()
    form = RetentionForm(request.POST or None, instance=clinic)
    if request.method == "POST" and form.is_valid():
        form.save()
        audit.record(
            request,
            audit.Action.UPDATE,
            audit.ObjectType.CLINIC,
            detail=f"retention: patients {clinic.patient_retention_years} years, "
            f"audit trail {clinic.audit_retention_days} days",
        )
        messages.success(request, _("The retention periods were saved."))
        return redirect("workspace:data-retention")
    return render_workspace(
        request,
        "clinic_instance/workspace/retention.html",
        {"form": form},
        section="data-retention",
        status=400 if form.errors else 200,
    )


@administrator_required
@require_POST
def purge_now(request: HttpRequest) -> HttpResponse:
    """What the nightly purge does, at once (e.g. after shortening a retention period)."""
    report = purge_expired(timezone.now(), request=request)
    messages.success(
        request,
        _("Purge done: %(patients)s, %(entries)s.")
        % {
            "patients": ngettext("%(count)d patient erased", "%(count)d patients erased", report.patients_erased)
            % {"count": report.patients_erased},
            "entries": ngettext(
                "%(count)d audit entry deleted", "%(count)d audit entries deleted", report.audit_entries_deleted
            )
            % {"count": report.audit_entries_deleted},
        },
    )
    return redirect("workspace:data-retention")
