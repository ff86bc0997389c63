"""Lambda resource policies as AWS returns them.

AWS rewrites the principal of `AddPermission` into policy grammar (`{"AWS": "arn:aws:iam::ID:root"}`,
`{"Service": "s3.amazonaws.com"}`). The local emulator (moto) returns it as given (`"Principal":
"123456789012"`), which is not IAM grammar. Normalising here keeps the analysis path the one AWS data
takes; on AWS's own output it changes nothing.
"""
from __future__ import annotations

import json


def _principal(value: str) -> object:
    if value == "*":
        return value
    if value.isdigit() and len(value) == 12:
        return {"AWS": f"arn:aws:iam::{value}:root"}
    if value.startswith("arn:"):
        return {"AWS": value}
    return {"Service": value}


def normalise_lambda_policy(text: str | None) -> str | None:
    if not text:
        return text
    try:
        doc = json.loads(text)
    except ValueError:
        return text  # the analysis reports an unreadable policy itself
    statements = doc.get("Statement") if isinstance(doc, dict) else None
    if not isinstance(statements, list):
        return text
    changed = False
    for st in statements:
        if isinstance(st, dict) and isinstance(st.get("Principal"), str) and st["Principal"] != "*":
            st["Principal"] = _principal(st["Principal"])
            changed = True
    return json.dumps(doc) if changed else text
