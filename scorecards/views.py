"""Scorecard pages: the balanced scorecards, a KPI's definition and drivers, the shared
marketing & operations dashboard, the maturity assessment, entered values and targets, and the
board pack. Each view validates, calls services or selectors, renders."""

from __future__ import annotations

# ---------------------------------------------------------------------------------------------
# Scorecards, KPI detail, notes, maturity  (section A)

# ---------------------------------------------------------------------------------------------
# Shared dashboard and board pack  (section B)

# ---------------------------------------------------------------------------------------------
# Entered values, KPI CSV import, targets  (section C)
