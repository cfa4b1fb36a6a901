"""Who may use the feed and as whom: the security decisions of bridge/feed/server.py, as data in and a verdict
out (no socket). Loopback clients are the commander; a shared feed needs its token; a page from another
origin, or a request naming another host (DNS rebinding), is refused."""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qs

__all__ = ["Admission", "Policy", "Refusal", "Role", "bracket", "ip_address", "is_loopback", "is_wildcard"]

Role = Literal["commander", "viewer"]


@dataclass(frozen=True)
class Admission:
    role: Role
    by: str
    """Who acts, as `Correction.by`."""


@dataclass(frozen=True)
class Refusal:
    status: int
    reason: str


@dataclass(frozen=True)
class Policy:
    """The feed's security decisions for one request, as data in and a verdict out.

    Without a token (the default) every client must be on this machine. With one (share mode), a client
    elsewhere must present it; a client on this machine without it is the commander. A request that relies
    on being local must name this server in `Host` (a page from another site that rebinds its DNS name to
    127.0.0.1 does not); a browser's websocket handshake must come from this server's own pages (`Origin`).
    """

    host: str
    port: int
    token: str | None = None
    allow_control: bool = False
    read_only: bool = False

    @property
    def local_hosts(self) -> frozenset[str]:
        names = ["127.0.0.1", "localhost", "[::1]"]
        if not is_wildcard(self.host):
            names.append(bracket(self.host))
        return frozenset(f"{name.lower()}:{self.port}" for name in names)

    def admit(
        self, *, query: str, host: str | None, origins: Sequence[str], peer: str, websocket: bool
    ) -> Admission | Refusal:
        given = parse_qs(query).get("token", [None])[0]
        token_ok = self.token is not None and given is not None and _same(given, self.token)
        local = is_loopback(peer)
        if self.token is not None and not token_ok and not local:
            why = "a wrong token" if given is not None else "no token"
            return Refusal(403, f"{why}: open the URL the commander shared, with its ?token=")
        host = (host or "").lower()
        if not token_ok and host not in self.local_hosts:
            return Refusal(403, f"Host {host!r} is not this server; open http://127.0.0.1:{self.port}/")
        if websocket and origins:
            allowed = {f"http://{h}" for h in self.local_hosts} | ({f"http://{host}"} if token_ok else set())
            if len(origins) > 1 or origins[0].lower() not in allowed:
                return Refusal(403, f"origin {', '.join(origins)} may not open this feed")
        if self.read_only or (token_ok and not self.allow_control):
            return Admission("viewer", "viewer")
        if token_ok and not local:
            return Admission("commander", f"viewer@{peer}")
        return Admission("commander", "commander")


def _same(given: str, token: str) -> bool:
    return hmac.compare_digest(given.encode(), token.encode())


def ip_address(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        ip = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return None
    return ip.ipv4_mapped or ip if isinstance(ip, ipaddress.IPv6Address) else ip


def is_loopback(address: str) -> bool:
    ip = ip_address(address)
    return address == "localhost" if ip is None else ip.is_loopback


def is_wildcard(address: str) -> bool:
    ip = ip_address(address)
    return ip is not None and ip.is_unspecified


def bracket(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host
