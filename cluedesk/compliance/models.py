"""Models of cluedesk.compliance."""
