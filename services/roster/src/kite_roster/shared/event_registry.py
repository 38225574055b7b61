"""The one event registry of roster.events; each aggregate's events module registers into it."""

from __future__ import annotations

from kite_common.events import EventRegistry

registry = EventRegistry("roster")
