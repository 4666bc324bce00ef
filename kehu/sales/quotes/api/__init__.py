"""REST routes of quotes, one module per router: `quotes` and `orders` (what an accepted quote
becomes; mounted in kehu/api.py)."""
