"""A commission session ends after 30 minutes idle or 14 hours after sign-in,
whichever comes first (``saylau.trust.sessions``): a session in constant use still
ends at the absolute limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from saylau.trust.sessions import DEFAULT_POLICY, expired

SIGN_IN = datetime(2026, 12, 6, 18, 0, tzinfo=UTC)


def test_idle_limit() -> None:
    seen = SIGN_IN + timedelta(hours=2)
    assert not expired(SIGN_IN, seen, seen + timedelta(minutes=30), DEFAULT_POLICY)
    assert expired(SIGN_IN, seen, seen + timedelta(minutes=30, seconds=1), DEFAULT_POLICY)


def test_absolute_limit_ends_a_busy_session() -> None:
    # Used a minute ago, every minute since sign-in: never idle.
    now = SIGN_IN + timedelta(hours=14)
    assert not expired(SIGN_IN, now - timedelta(minutes=1), now, DEFAULT_POLICY)
    later = now + timedelta(seconds=1)
    assert expired(SIGN_IN, later - timedelta(minutes=1), later, DEFAULT_POLICY)
