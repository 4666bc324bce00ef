"""Settings for a real `kehu worker` in the crash tests: Kehu's own settings (the database
queue, the database in KEHU_DATABASE_URL) with small import batches, so a kill lands in the
middle of an import. The short lease comes from KEHU_LEASE_SECONDS, as in production."""

from kehu.settings import *  # noqa: F403

IMPORT_BATCH_SIZE = 5
