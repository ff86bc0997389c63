"""Least-privilege policy generation from CloudTrail activity (Access Analyzer's policy generation).

mapping: event → IAM actions; principals: identity → the role or user it counts for;
activity: records → per-principal partial activity, and merging partials; policy: activity → policies.
"""
