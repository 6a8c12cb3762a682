"""A visitor's network, as the directory counts it without keeping the address.

Limits count per client address, an IPv6 address as its /64 (one subscriber
usually holds a whole /64, as clinic_instance/phone_verification.py counts).
Only a digest keyed with the server's secret and the limit's purpose is
stored: it cannot be turned back into an address, nor matched across purposes.
REMOTE_ADDR is the client's address (behind a proxy, the deployment's
trusted-proxy setting makes it so).
"""

import hashlib
import hmac
import ipaddress

from django.conf import settings


def network_of(address: str) -> str:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def network_digest(address: str, *, purpose: str) -> str:
    key = f"{settings.SECRET_KEY}:directory:{purpose}".encode()
    return hmac.new(key, network_of(address).encode(), hashlib.sha256).hexdigest()
