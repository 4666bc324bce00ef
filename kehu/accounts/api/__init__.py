"""Read-only REST routes for the company directory, one module per router: `users`, `teams`
(mounted in kehu/api.py)."""
