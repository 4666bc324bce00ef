"""Learning Kehu (培训与帮助): the first-run tour per role (`tour`), the help centre that shows
the user guide inside the app (`help`), the offer of sample data on an empty instance
(`sample_data`) and the feedback list users tell administrators what hinders them with
(`feedback`). One app, a sub-package per concept (docs/decisions/0027-learning-app.md)."""
