"""Supply against demand: appointments, rollups and scenarios arrive with the capacity issue."""
