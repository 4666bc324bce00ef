"""Sample data for an empty instance (示例数据): the home page offers administrators of an
instance with no people and no companies to load the demo's customers and sales (kehu/demo),
as a background task whose progress the page shows."""
