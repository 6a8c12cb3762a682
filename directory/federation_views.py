"""The directory's side of the federation (federation/PROTOCOL.md)."""

import json
import logging

from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.federation_node import discovery_response, refusal, verify_signed
from federation.documents import InvalidDocument, parse_profile_document
from federation.signing import SignatureRejected

from . import federated_profiles, instance_registry
from .models import Instance

logger = logging.getLogger("openrdv.federation")


@require_GET
def discovery(request):
    """/.well-known/openrdv: who this directory is, its keys, where to search it and register."""
    return discovery_response(
        request,
        role="directory",
        endpoints=lambda base: {
            "search": f"{base}/api/v1/search/",
            "register": f"{base}/federation/v1/instances/",
            "profiles": f"{base}/federation/v1/profiles/",
        },
    )


@csrf_exempt  # server to server: the request is signed (RFC 9421), there is no session
@require_POST
def register_instance(request):
    """A clinic instance asks to publish here; 202 with its status (pending until a moderator approves)."""
    try:
        registered = instance_registry.register(request, now=timezone.now())
    except instance_registry.RegistrationRefused as error:
        response = JsonResponse({"error": error.error, "detail": error.detail}, status=error.status)
        if error.retry_after:
            response["Retry-After"] = str(error.retry_after)
        return response
    except SignatureRejected as error:
        return refusal(error, peer=request.META.get("REMOTE_ADDR", "?"))
    instance = registered.instance
    return JsonResponse({"status": instance.status, "name": instance.name}, status=202)


@csrf_exempt  # server to server: the request is signed, there is no session
@require_http_methods(["PUT"])
def receive_profile(request, ref: str):
    """A clinic instance publishes (or removes) one of its profiles: 204, or the reason of a refusal."""
    signers = {}  # the key id's holder, found by verify_signed's lookup

    def find_key(key_id: str):
        signers[key_id] = instance_registry.signer_of(key_id)
        return signers[key_id][1] if signers[key_id] else None

    try:
        verified = verify_signed(request, find_key)
    except SignatureRejected as error:
        return refusal(error, peer=request.META.get("REMOTE_ADDR", "?"))
    instance = signers[verified.key_id][0]
    try:
        document = parse_profile_document(json.loads(request.body), base_url=instance.base_url)
        if document.ref != ref:
            raise InvalidDocument("ref", "not the ref of the address")
        applied = federated_profiles.apply(instance, document)
        Instance.objects.filter(pk=instance.pk).update(last_seen_at=timezone.now())
    except (ValueError, InvalidDocument) as error:
        field = getattr(error, "field", "document")
        return JsonResponse({"error": "invalid_document", "field": field, "detail": str(error)[:200]}, status=400)
    except federated_profiles.DocumentRefused as error:
        return JsonResponse({"error": error.error, "detail": error.detail}, status=error.status)
    if getattr(document, "dropped", ()):
        logger.info("federation: %s %s: fields dropped: %s", instance.base_url, ref, ", ".join(document.dropped))
    return JsonResponse({"outcome": applied.outcome}, status=200)
