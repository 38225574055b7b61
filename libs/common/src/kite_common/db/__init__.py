from kite_common.db.migrations import migrate
from kite_common.db.pool import create_pool

__all__ = ["create_pool", "migrate"]
