"""Reports of ``unsafe-audit check``: a value type and one formatter per output format."""
