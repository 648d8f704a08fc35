"""Models of cluedesk.cases."""
