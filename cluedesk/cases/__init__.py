"""Registers of major cases, umbrella investigations and target fugitives (issue 8, items 1-3)."""
