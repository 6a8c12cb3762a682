"""Patient pages: search, the record, corrections, merging duplicates, GDPR export and erasure.

Patients are looked up through staff_access.patient_for only: an erased patient
and an id that never existed get the same 404. Every page that shows a record
writes an audit entry (record_patient), with no name and no clinical content.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import audit, patient_search
from ..gdpr import erase_patient, export_patient
from ..models import Patient
from ..patient_records import MergeError, can_merge, merge, patient_record, update_contact
from ..staff_access import patient_for
from .access import administrator_required, staff_required
from .patient_forms import ContactForm, MergeForm, PatientSearchForm
from .rendering import render_workspace

SEARCH_LIMIT = 30
CONTACT_FIELDS = ("first_name", "last_name", "birth_date", "phone", "email")


@staff_required
@require_GET
def patient_list(request: HttpRequest) -> HttpResponse:
    form = PatientSearchForm(request.GET or None)
    matches = None
    if form.is_valid() and form.cleaned_data["q"]:
        matches = patient_search.search_patients(form.cleaned_data["q"], limit=SEARCH_LIMIT)
        audit.record_search_results(request, [match.patient for match in matches])
    context = {"form": form, "matches": matches}
    return render_workspace(
        request,
        "clinic_instance/workspace/patients.html",
        context,
        section="patients",
        status=400 if form.errors else 200,
    )


@staff_required
@require_GET
def patient_detail(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = patient_for(request.user, patient_id)
    form = ContactForm(initial={name: getattr(patient, name) for name in CONTACT_FIELDS})
    return _record_page(request, patient, form)


@staff_required
@require_POST
def patient_edit(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = patient_for(request.user, patient_id)
    form = ContactForm(request.POST)
    if not form.is_valid():
        return _record_page(request, patient, form, status=400)
    try:
        changed = update_contact(patient, form.cleaned_data, request=request)
    except Patient.DoesNotExist:
        raise Http404 from None
    if changed:
        messages.success(request, _("The patient's details were saved."))
    return redirect("workspace:patient", patient.pk)


def _record_page(request: HttpRequest, patient: Patient, form: ContactForm, *, status: int = 200) -> HttpResponse:
    record = patient_record(request.user, patient, now=timezone.now())
    duplicates = patient_search.likely_duplicates(
        patient.first_name, patient.last_name, patient.birth_date, patient.phone, exclude_id=patient.pk
    )
    audit.record_patient(request, audit.Action.VIEW, patient)
    audit.record_search_results(request, duplicates)
    context = {"record": record, "patient": patient, "form": form, "duplicates": duplicates}
    return render_workspace(
        request, "clinic_instance/workspace/patient.html", context, section="patients", status=status
    )


@staff_required
@require_http_methods(["GET", "POST"])
def patient_merge(request: HttpRequest, patient_id: int) -> HttpResponse:
    """GET: both records side by side to confirm; POST: the duplicate is merged into this record."""
    keep = patient_for(request.user, patient_id)
    form = MergeForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        raise Http404
    duplicate = patient_for(request.user, form.cleaned_data["duplicate"])
    if duplicate.pk == keep.pk:
        messages.error(request, _("A record cannot be merged into itself."))
        return redirect("workspace:patient", keep.pk)
    if not can_merge(request.user, keep, duplicate):
        raise PermissionDenied
    if request.method == "POST":
        try:
            merge(keep, duplicate, now=timezone.now(), request=request)
        except MergeError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The duplicate was merged into this record."))
        return redirect("workspace:patient", keep.pk)
    now = timezone.now()
    for patient in (keep, duplicate):
        audit.record_patient(request, audit.Action.VIEW, patient, detail="merge preview")
    context = {
        "keep": patient_record(request.user, keep, now=now),
        "duplicate": patient_record(request.user, duplicate, now=now),
    }
    return render_workspace(request, "clinic_instance/workspace/patient_merge.html", context, section="patients")


@administrator_required
@require_GET
def patient_export(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The patient's GDPR access request, as a JSON file (see gdpr.py for what it holds)."""
    patient = patient_for(request.user, patient_id)
    data = export_patient(patient, now=timezone.now())
    audit.record_patient(request, audit.Action.EXPORT, patient)
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="patient-{patient.pk}.json"'
    response["Cache-Control"] = "no-store, private"
    return response


@administrator_required
@require_http_methods(["GET", "POST"])
def patient_erase(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = patient_for(request.user, patient_id)
    if request.method == "POST":
        erase_patient(patient, now=timezone.now(), request=request)
        messages.success(request, _("The patient was erased; their appointments are kept, anonymised."))
        return redirect("workspace:patients")
    record = patient_record(request.user, patient, now=timezone.now())
    audit.record_patient(request, audit.Action.VIEW, patient, detail="erase confirmation")
    return render_workspace(
        request, "clinic_instance/workspace/patient_erase.html", {"record": record}, section="patients"
    )
