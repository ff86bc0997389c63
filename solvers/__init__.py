"""Pure reasoning about IAM policies: no network, no files, no Ray.

Nothing heavy is imported here; import the submodules you need
(`solvers.policy`, `solvers.evaluator`, `solvers.symbolic`, `solvers.checks`).
"""
