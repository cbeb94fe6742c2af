"""Content from YAML: reading with line numbers, validation, the cache."""
