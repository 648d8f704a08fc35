"""Which address a request came from, for rate limits and sign-in lockout (never stored raw).

Without trusted proxies it is the peer (``REMOTE_ADDR``). Behind reverse proxies listed in
``CLUEDESK_TRUSTED_PROXIES`` (addresses or networks), it is the right-most address in
``X-Forwarded-For`` that is not one of them: each trusted proxy appends the address it saw, so
that one was written by a proxy we trust, while anything to its left is the client's own claim
(which an attacker would vary to slip past a per-address limit).

``CLUEDESK_TRUST_X_FORWARDED_FOR=1`` (the older switch) trusts the peer as one proxy, whatever
its address: the last hop is taken.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(listed: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in listed)


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_address(request: HttpRequest) -> str:
    peer = request.META.get("REMOTE_ADDR", "") or "unknown"
    networks = _networks(tuple(settings.CLUEDESK_TRUSTED_PROXIES))
    peer_is_proxy = settings.CLUEDESK_TRUST_X_FORWARDED_FOR or _trusted(peer, networks)
    if not peer_is_proxy:
        return peer
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            return hop
    return hops[0] if hops else peer
