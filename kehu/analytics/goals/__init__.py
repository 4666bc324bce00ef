"""KPI goals (issue 15, point 4): a target on a catalogue metric for a person, a team or the
whole company over a month, quarter, year or custom period, with live attainment and pacing.
The forecast's sales targets are goals on `revenue_won` (decision 0036)."""
