"""The directory's side of the federation (federation/PROTOCOL.md)."""

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from config.federation_node import discovery_response, refusal
from federation.signing import SignatureRejected

from . import instance_registry


@require_GET
def discovery(request):
    """/.well-known/openrdv: who this directory is, its keys, where to search it and register."""
    return discovery_response(
        request,
        role="directory",
        endpoints=lambda base: {"search": f"{base}/api/v1/search/", "register": f"{base}/federation/v1/instances/"},
    )


@csrf_exempt  # server to server: the request is signed (RFC 9421), there is no session
@require_POST
def register_instance(request):
    """A clinic instance asks to publish here; 202 with its status (pending until a moderator approves)."""
    try:
        registered = instance_registry.register(request)
    except instance_registry.RegistrationRefused as error:
        return JsonResponse({"error": error.error, "detail": error.detail}, status=error.status)
    except SignatureRejected as error:
        return refusal(error, peer=request.META.get("REMOTE_ADDR", "?"))
    instance = registered.instance
    return JsonResponse({"status": instance.status, "name": instance.name}, status=202)
