"""Optional bearer-token authentication of the API."""

from __future__ import annotations

import hmac


def token_matches(header: str | None, token: str) -> bool:
    """Whether an ``Authorization`` header carries ``Bearer <token>``.

    The comparison takes the same time wherever the two differ (``hmac.compare_digest``), so the
    response time does not tell an attacker how much of a guess was right.
    """
    if not header:
        return False
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())
