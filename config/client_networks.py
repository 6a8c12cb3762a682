"""What per-address limits count: a client's network, as a keyed digest.

Both roles limit anonymous clients per address (phone codes, profile reports, registrations).
An IPv6 address counts as its /64, since one subscriber usually holds a whole /64 and would
otherwise escape a limit by changing address. Only a digest keyed with the server's secret and
the limit's purpose is stored: it cannot be turned back into an address, nor matched across
purposes. The address itself is REMOTE_ADDR as config/reverse_proxy.py decided it.
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
    key = f"{settings.SECRET_KEY}:{purpose}".encode()
    return hmac.new(key, network_of(address).encode(), hashlib.sha256).hexdigest()
