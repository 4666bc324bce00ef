"""REST routes of deals, one module per router: `deals`, `pipelines` (with their stages) and
`exchange_rates` (mounted in kehu/api.py)."""
