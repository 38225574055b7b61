"""Mirrors: a service's own copy of another service's entity, kept from the publisher's events."""

from kite_common.mirror.roster_members import MemberMirror
from kite_common.mirror.table import MirrorTable

__all__ = ["MemberMirror", "MirrorTable"]
