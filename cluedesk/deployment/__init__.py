"""The deployment profile (clocks, retention, anonymity, form fields, public wording), its
validation, and what it asks of intake; the one row that stores the choice (issue 21)."""
