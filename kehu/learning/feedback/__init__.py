"""Feedback (反馈): any user tells the administrators what hinders them; administrators work
through the list (new → planned → done / won't do) and reply. Pages in `views`, the REST
routes in `api`, every write in `services`."""
