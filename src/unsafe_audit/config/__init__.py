"""The repository's own configuration, ``.unsafe-audit/config.yaml``: ``model`` (pure values and
path patterns) and ``load`` (the validating YAML reader). Importing the package loads neither.
"""
