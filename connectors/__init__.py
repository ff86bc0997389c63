"""Connectors: the only place trustmap talks to AWS or reads and writes files.

Nothing is imported here; import the submodule you need.
"""
