"""REST routes of activities, one module per router: `activities`, `timeline` (mounted in
kehu/api.py)."""
