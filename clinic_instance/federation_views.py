"""The clinic instance's side of the federation (federation/PROTOCOL.md)."""

from django.http import HttpResponseNotModified, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from config.federation_node import discovery_response, refusal, verify_signed
from federation.signing import SignatureRejected

from .feed import page_after, reader_keys


@require_GET
def discovery(request):
    """/.well-known/openrdv: who this instance is, its keys, where its public data is."""
    return discovery_response(
        request,
        role="clinic",
        endpoints=lambda base: {
            "booking": f"{base}/",
            "slots": f"{base}/api/v1/slots/",
            "feed": f"{base}/federation/v1/feed/",
        },
    )


@require_GET
def feed(request):
    """The profile documents changed after ?since= (signed GET by a registered directory)."""
    readers = reader_keys()
    try:
        verify_signed(request, readers.get)
    except SignatureRejected as error:
        return refusal(error, peer=request.META.get("REMOTE_ADDR", "?"))
    since = request.GET.get("since", "0")
    if not since.isdigit() or len(since) > 18:
        return JsonResponse({"error": "since", "detail": "a cursor from a previous page, or 0"}, status=400)
    items, next_page, keep, newest = page_after(int(since), now=timezone.now())
    etag = f'"{since}-{newest}"'  # the answer changes only with a new outbox row
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
    else:
        response = JsonResponse({"items": items, "next": next_page, "cursor": keep})
    response["ETag"] = etag
    response["Cache-Control"] = "no-store"
    return response
