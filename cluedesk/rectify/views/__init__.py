"""Staff pages of the rectification registers, one module per register. Thin: parse, scope
(cluedesk.org.access), call a service, render. Actions answer HTMX requests with the page's panel,
plain posts with a redirect."""
