"""Models of cluedesk.rectify."""
