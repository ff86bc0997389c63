"""AWS connectors: sessions, the organization, and one module per analysed resource type.

Nothing here creates a client at import time; import the submodule you need.
"""
