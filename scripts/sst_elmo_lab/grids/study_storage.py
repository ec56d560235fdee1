"""
Opening an Optuna database (an SQLAlchemy URL) that other workers may be opening at the same
moment: the first ones to reach a new database race to make its tables and stamp its schema
version (alembic), and all but one fail with an `OperationalError` or `IntegrityError`. By
the time a worker tries again, the tables are there.
"""
import time
from typing import Any

ATTEMPTS = 5


def rdb_storage(url: str, attempts: int = ATTEMPTS, **kwargs: Any):
    """Optuna's `RDBStorage(url, **kwargs)`, tried again (after 0.5, 1.5, 2.5 ... s) while workers race."""
    from optuna.storages import RDBStorage
    from sqlalchemy.exc import IntegrityError, OperationalError

    for attempt in range(attempts):
        try:
            return RDBStorage(url, **kwargs)
        except (OperationalError, IntegrityError):
            if attempt == attempts - 1:
                raise
            time.sleep(0.5 + attempt)
    raise ValueError("attempts must be at least 1")
