"""REST routes of the forecast, one module per router: `forecast` and `targets` (what it is
measured against; mounted in kehu/api.py)."""
