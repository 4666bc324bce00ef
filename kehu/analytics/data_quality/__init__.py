"""Data quality of the people records, counted per owner (decision 0040): what the admin's
dashboard reads instead of scanning every person on each page view."""
