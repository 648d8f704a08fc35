"""Indexes for same-matter lookup (LSH band keys, entity keys) and the category taxonomy."""
