"""Retention with proof of deletion, legal holds, and safe published statistics (issue 11)."""
