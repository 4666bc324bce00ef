"""Backups: one archive holding the database and the stored files (`kehu backup`/`restore`)."""

from .archive import BackupResult, RestoreResult, backup, file_folders, restore, vendor
from .databases import BackupError

__all__ = [
    "BackupError",
    "BackupResult",
    "RestoreResult",
    "backup",
    "file_folders",
    "restore",
    "vendor",
]
