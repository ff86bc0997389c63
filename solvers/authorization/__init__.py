"""Whole-request authorization: every policy type AWS combines (authorization.md).

    context.py     who calls, on whose resource, under which policies (AuthContext, AuthRequest)
    principals.py  how a Principal element names the caller (direct, role level, account)
    rules.py       service facts: RCP services, R0 intrinsic outcomes, R7 resources
    decide.py      the concrete decision (`decide`)
    symbolic.py    the same composition as a question for the symbolic engine (`allowed_request`)
"""
