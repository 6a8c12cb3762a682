"""The client's address: X-Forwarded-For is believed from trusted proxies only (config/reverse_proxy.py)."""

from ipaddress import ip_network

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from clinic_instance.audit import client_address
from config.reverse_proxy import ClientAddressMiddleware, resolve_client_address

NGINX = (ip_network("127.0.0.1/32"), ip_network("10.0.0.0/8"))


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        ("127.0.0.1", "203.0.113.5", "203.0.113.5"),  # through nginx
        ("127.0.0.1", "198.51.100.7, 203.0.113.5", "203.0.113.5"),  # the client's own claim is on the left
        ("127.0.0.1", "203.0.113.5, 10.1.2.3", "203.0.113.5"),  # two trusted hops
        ("203.0.113.9", "198.51.100.7", "203.0.113.9"),  # not a proxy: the header is ignored
        ("127.0.0.1", "", "127.0.0.1"),
        ("127.0.0.1", "not-an-address", "127.0.0.1"),
        ("127.0.0.1", "junk, 10.1.2.3", "10.1.2.3"),
        ("127.0.0.1", "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_is_the_first_untrusted_hop_from_the_right(peer, forwarded, client):
    assert resolve_client_address(peer, forwarded, NGINX) == client


@pytest.mark.parametrize(
    ("peer", "forwarded", "audited"),
    [("203.0.113.9", "127.0.0.1", "203.0.113.9"), ("127.0.0.1", "203.0.113.5", "203.0.113.5")],
)
def test_the_audit_trail_records_the_address_the_middleware_decided(settings, peer, forwarded, audited):
    settings.TRUSTED_PROXIES = NGINX
    seen = {}

    def view(request):
        seen["address"] = client_address(request)
        return HttpResponse()

    ClientAddressMiddleware(view)(RequestFactory().get("/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded))
    assert seen["address"] == audited
