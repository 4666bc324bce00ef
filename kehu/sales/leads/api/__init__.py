"""REST routes of leads, one module per router: `leads` and `web_leads` (the public web form;
mounted in kehu/api.py)."""
