"""The directory's side of the federation (federation/PROTOCOL.md)."""

from django.views.decorators.http import require_GET

from config.federation_node import discovery_response


@require_GET
def discovery(request):
    """/.well-known/openrdv: who this directory is, its keys, where to search it."""
    return discovery_response(request, role="directory", endpoints=lambda base: {"search": f"{base}/api/v1/search/"})
