"""Models of cluedesk.records."""
