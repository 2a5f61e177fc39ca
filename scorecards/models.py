"""KPIs, targets, measurements and scorecards arrive with the scorecards issue."""
