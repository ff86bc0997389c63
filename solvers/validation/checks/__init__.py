"""Check families, one module per subject; `solvers.validation.registry` lists them all."""
