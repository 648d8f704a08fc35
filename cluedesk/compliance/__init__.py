"""Deployment profiles, legal clocks (acknowledgment, feedback) and their compliance report; oral reports (issue 11)."""
