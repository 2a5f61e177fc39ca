"""Demand, goals and campaigns arrive with the marketing issue."""
