"""Duplicates (数据质量): finding likely duplicate people and companies, the queue of pairs an
admin or owner works through, merging records and undoing a merge (docs/duplicates.md)."""
