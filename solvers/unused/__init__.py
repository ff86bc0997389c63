"""Unused access: roles, access keys, passwords and permissions not used within a tracking period,
judged from IAM's own usage data and CloudTrail activity, as Access Analyzer's unused-access analyzer.
Pure functions over plain data (no AWS calls): `connectors.aws.iam_usage` reads the evidence."""
