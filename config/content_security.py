"""A Content-Security-Policy that lets pages load nothing from another host.

Django 5.2 has no CSP support of its own; this is the one header we need.
Inline styles stay allowed for the admin's templates; scripts never inline. A
view may set its own (see `policy`); the middleware only fills in the default.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


def policy(connect_to: frozenset[str] = frozenset()) -> str:
    """The policy; connect_to adds origins scripts may read from (a directory's clinic instances)."""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self'",
            " ".join(["connect-src 'self'", *sorted(connect_to)]),
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


POLICY = policy()


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", POLICY)
        return response
