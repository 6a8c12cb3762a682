"""/healthz, /readyz and /metrics: plain Django views, outside the API and its schema."""

import hmac
from ipaddress import ip_address

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from . import health, metrics


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers; no database, no data."""
    return HttpResponse("ok", content_type="text/plain")


@never_cache
@require_GET
def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: 200 when every check passes, else 503; each check named with its state only."""
    results = health.readiness(now=timezone.now())
    failing = [name for name, passed in results.items() if not passed]
    body = {"status": "fail" if failing else "ok", "checks": {n: "ok" if p else "fail" for n, p in results.items()}}
    return JsonResponse(body, status=503 if failing else 200)


@never_cache
@require_GET
def prometheus_metrics(request: HttpRequest) -> HttpResponse:
    """The metrics, to loopback clients or a METRICS_TOKEN holder; anyone else gets a 404, as if absent."""
    if not (_from_loopback(request) or _holds_token(request)):
        raise Http404
    return HttpResponse(metrics.exposition(now=timezone.now()), content_type=CONTENT_TYPE_LATEST)


def _from_loopback(request: HttpRequest) -> bool:
    """REMOTE_ADDR as config/reverse_proxy.py decided it: a client forwarded by nginx is the client.

    A forwarded request is refused even when its proxy is not trusted (TRUSTED_PROXIES left empty):
    it would otherwise be the proxy's loopback address.
    """
    if "HTTP_X_FORWARDED_FOR" in request.META:
        return False
    try:
        return ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def _holds_token(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    scheme, _, offered = request.headers.get("Authorization", "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(offered.encode(), token.encode())
