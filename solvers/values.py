"""Typed readings of condition values: numbers, instants, IP addresses and CIDR ranges.

Numbers are exact rationals; instants are integer microseconds since the epoch; IP addresses live on
one integer line (IPv4 in [0, 2^32), IPv6 shifted above it) so that a CIDR is one closed interval.
Each reader returns None for text that is not of its type.
"""
from __future__ import annotations

import ipaddress
import re
from datetime import UTC, datetime
from fractions import Fraction

IPV6_BASE = 1 << 32
IP_LINE_END = IPV6_BASE + (1 << 128)  # exclusive end of the IP line
_DECIMAL = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_EPOCH = re.compile(r"^-?\d+$")
_EPOCH_US = 1_000_000
_EPOCH_START = datetime(1970, 1, 1, tzinfo=UTC)


MAX_EXPONENT = 400  # beyond any real quota or size; bounds the work Fraction does


def parse_number(text: str) -> Fraction | None:
    text = text.strip()
    if not _DECIMAL.match(text) or len(text) > 64:
        return None
    mantissa, _, exponent = text.lower().partition("e")
    if exponent and abs(int(exponent)) > MAX_EXPONENT:
        return None
    return Fraction(text)


def parse_date(text: str) -> int | None:
    """ISO 8601 (date, or date and time, with Z or an offset) or epoch seconds -> microseconds."""
    text = text.strip()
    if _EPOCH.match(text) and len(text) <= 12:
        return int(text) * _EPOCH_US
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    delta = dt - _EPOCH_START
    return (delta.days * 86_400 + delta.seconds) * _EPOCH_US + delta.microseconds


def format_date(micros: int) -> str:
    seconds, us = divmod(micros, _EPOCH_US)
    dt = datetime.fromtimestamp(seconds, tz=UTC).replace(microsecond=us)
    return dt.isoformat().replace("+00:00", "Z")


def parse_ip(text: str) -> int | None:
    """A single address on the IP line."""
    try:
        addr = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    return int(addr) if addr.version == 4 else IPV6_BASE + int(addr)


def parse_cidr(text: str) -> tuple[int, int] | None:
    """A CIDR (or single address) as a closed interval [first, last] on the IP line."""
    try:
        net = ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None
    base = 0 if net.version == 4 else IPV6_BASE
    return base + int(net.network_address), base + int(net.broadcast_address)


def format_ip(point: int) -> str:
    if point < IPV6_BASE:
        return str(ipaddress.IPv4Address(point))
    return str(ipaddress.IPv6Address(point - IPV6_BASE))


def format_number(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    # every interval midpoint the engine picks has a power-of-two-and-five denominator or is exact
    # enough as a 30-digit decimal; the evaluator re-reads it with Fraction
    from decimal import Decimal, getcontext
    getcontext().prec = 60
    return format(Decimal(value.numerator) / Decimal(value.denominator), "f")
