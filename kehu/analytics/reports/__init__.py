"""The report builder (issue 15, point 3): a report is a checked JSON definition
(`definition`), run for each viewer over the records they may see (`running`), saved and
shared (`services`), shown as a chart and a table (`presenting`), exported (`exporting`) and
emailed on a schedule by the worker (`schedules`). Decision: docs/decisions/0038-reports.md.
"""
