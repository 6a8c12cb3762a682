"""`/favicon.ico` for both roles: browsers ask for it on pages without our icon link (the admin, a JSON
answer opened in a tab), and a 404 there was logged on every first visit."""

from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import path
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe


@require_safe
@cache_control(public=True, max_age=86400)
def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    return HttpResponsePermanentRedirect(static("favicon.svg"))


favicon_urlpatterns = [path("favicon.ico", favicon, name="favicon")]
