"""REST routes of the customers app, one module per router: `people`, `companies`, `tags`
(mounted in kehu/api.py). `customer_routes` holds what people and companies share."""
