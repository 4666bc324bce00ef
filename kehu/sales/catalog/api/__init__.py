"""REST routes of the catalogue, one module per router: `products` (with a product's price for
a customer) and `price_lists` (mounted in kehu/api.py)."""
