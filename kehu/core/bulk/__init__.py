"""Bulk actions on lists: one design for every record type (docs/bulk-actions.md).

`registry` holds what each record type offers (its rows, actions, fields and the services
they call); `jobs` checks a request and makes the job; `running` carries it out through the
services, batch by batch, in the request or in a worker (`tasks`).
"""
