"""REST API for KPIs, targets, measurements and scorecards."""
