"""The directory's pages: search, profile, and the hand-off to a clinic's booking page.

Anonymous visitors get no cookie and nothing about them is recorded.
"""

from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from config.content_security import policy
from federation.documents import origin_of

from . import moderation
from .api import address_of
from .forms import LANGUAGE_CHOICES, ReportForm
from .models import Profile, specialties_by_label
from .search.base import PAGE_SIZE
from .searching import SearchParams, run_search

# Any filled parameter but the page and the radius (always sent by the form) starts a search.
SEARCH_TRIGGERS = (
    "q",
    "place",
    "specialty",
    "lat",
    "language",
    "new_patients",
    "teleconsultation",
    "accessible",
    "sector",
)


@require_GET
def search(request):
    params = SearchParams(data=request.GET)
    context = {
        "specialties": specialties_by_label(),
        "languages": LANGUAGE_CHOICES,
        "asked": request.GET,
        "searched": any(request.GET.get(key) for key in SEARCH_TRIGGERS),
    }
    if context["searched"]:
        if params.is_valid():
            outcome = run_search(params.validated_data)
            page = params.validated_data["page"]
            context.update(
                outcome=outcome,
                results=[(result, address_of(result)) for result in outcome.results],
                previous_page=page - 1 if page > 1 else None,
                next_page=page + 1 if page * PAGE_SIZE < outcome.page.count else None,
                query_without_page=_without_page(request.GET),
            )
        else:
            context["errors"] = list(_messages(params.errors))
    response = render(request, "directory/search.html", context, status=400 if context.get("errors") else 200)
    return with_instances_readable(response, [result.availability_url for result, _ in context.get("results", [])])


def _messages(errors):
    """Every message of a (possibly nested: list fields give {index: [...]}) error structure."""
    if isinstance(errors, dict):
        for value in errors.values():
            yield from _messages(value)
    elif isinstance(errors, list):
        for value in errors:
            yield from _messages(value)
    else:
        yield str(errors)


def with_instances_readable(response, availability_urls: list[str]):
    """Let the page's script read the next free slots from these clinic instances, and nothing else."""
    origins = frozenset(origin_of(url) for url in availability_urls if url)
    response["Content-Security-Policy"] = policy(connect_to=origins)
    return response


def _without_page(query) -> str:
    copy = query.copy()
    copy.pop("page", None)
    return copy.urlencode()


@require_GET
def profile(request, profile_id: int):
    found = get_object_or_404(
        Profile.objects.select_related("specialty", "instance"), pk=profile_id, status=Profile.Status.PUBLISHED
    )
    response = render(request, "directory/profile.html", {"profile": found, "address": address_of(found)})
    return with_instances_readable(response, [found.availability_url])


@require_GET
def go(request, profile_id: int):
    """Send the patient to the clinic's booking page, recording nothing about them."""
    found = get_object_or_404(Profile, pk=profile_id, status=Profile.Status.PUBLISHED)
    if not found.books_online:
        return HttpResponseRedirect(reverse("profile", args=[found.pk]))
    response = HttpResponseRedirect(found.booking_url)
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt  # anonymous visitors get no cookie: the form carries a signed token instead (moderation.py)
@require_http_methods(["GET", "POST"])
def report(request, profile_id: int):
    """'Report this profile': what is wrong; of who reports it, only a digest while it is open."""
    found = get_object_or_404(Profile, pk=profile_id, status=Profile.Status.PUBLISHED)
    form = ReportForm(request.POST or None)
    status = 400 if form.errors else 200
    if request.method == "POST" and form.is_valid():
        try:
            recorded = moderation.report_profile(
                profile=found,
                token=request.POST.get("token", ""),
                reason=form.cleaned_data["reason"],
                message=form.cleaned_data["message"],
                address=request.META.get("REMOTE_ADDR", ""),
                now=timezone.now(),
            )
        except moderation.ReportRefused as error:
            form.add_error(None, error.message)  # the page comes back with what was typed, and a new token
            status = error.status
        else:
            return render(request, "directory/report_sent.html", {"profile": found, "already": recorded is None})
    context = {"profile": found, "form": form, "token": moderation.report_form_token(found.pk)}
    return render(request, "directory/report.html", context, status=status)
