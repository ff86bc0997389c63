"""Internal access (authorization.md §6): which roles and users of the account or organization can reach a
resource, through their identity policies, the resource policy, boundaries, SCPs and RCPs.

    universe.py  the resource types and, per type, the catalog actions and the ARNs they act on
    model.py     the input: one target resource, its candidate principals
    classes.py   principals that must get the same answer, analysed once
    example.py   a request in `trustmap simulate` input form
    s3_sources.py  S3 sources: bucket ACL grants, access points (theirs and other accounts')
    analyze.py   the findings of one resource (FindingV2 `InternalAccess`)
"""
