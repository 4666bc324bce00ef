"""Home dashboards per role (rep, manager, administrator): widgets from a registry, a layout
per user (or published to a team by its manager), all rendered in the page's one request
(decision 0037)."""
