"""Shared pytest configuration.

The packages are importable through the editable install (`make setup`), so nothing
is added to sys.path here. Keep this file light: no Ray, Z3 or boto3 imports at module level.
"""
