"""Register pages: lists (filters, search, pages, CSV/XLSX), detail pages and their HTMX actions,
one module per register. Thin: parse, scope (``cluedesk.org.access``), call a service, render."""
