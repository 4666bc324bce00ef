"""The customer side of the service desk: the public support form and each ticket's portal page,
reached by a signed link its requester gets by mail."""
