"""The clinic instance's side of the federation (federation/PROTOCOL.md)."""

from django.views.decorators.http import require_GET

from config.federation_node import discovery_response


@require_GET
def discovery(request):
    """/.well-known/openrdv: who this instance is, its keys, where its public data is."""
    return discovery_response(
        request,
        role="clinic",
        endpoints=lambda base: {"booking": f"{base}/", "slots": f"{base}/api/v1/slots/"},
    )
