"""Registers of special supervision lists, industry rectification letters and annual key tasks (issue 8, items 4-6)."""
