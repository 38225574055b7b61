from kite_common.eventstore.errors import ConcurrencyConflict
from kite_common.eventstore.postgres import GlobalPosition, PostgresEventStore

__all__ = ["ConcurrencyConflict", "GlobalPosition", "PostgresEventStore"]
