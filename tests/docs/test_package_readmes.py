"""Each package README (included in the docs as the Development pages) names every module of its package,
and names no source file that does not exist; nor do the docs pages. A module added without a line in its
README fails here on purpose; a module deleted or renamed without the documentation following fails too."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("solvers", "pipeline", "connectors", "bench")
# a source or data file named in backquotes: `catalog.py`, `data/iam-retired.json.gz`, `tools/x.py`
FILE = re.compile(r"`([A-Za-z0-9_./-]+\.(?:py|json|gz))`")
PLACEHOLDER = re.compile(r"(^|/)[A-Z_]+\.")
REPO_FOLDERS = {"solvers", "pipeline", "connectors", "bench", "tools", "tests", "docs", "configs"}


def _modules(package: str) -> list[Path]:
    return sorted(p.relative_to(ROOT / package) for p in (ROOT / package).rglob("*.py")
                  if p.name != "__init__.py" and "__pycache__" not in p.parts)


def _named(text: str, module: Path) -> bool:
    """By file name, or as one of its folder's modules (`checks/*.py`, `aws/resources/`)."""
    if re.search(rf"(?<![\w.]){re.escape(module.name)}\b", text):
        return True
    parts = module.parent.parts
    suffixes = ("/".join(parts[i:]) for i in range(len(parts)))  # validation/checks, checks
    return any(re.search(rf"`{re.escape(folder)}/(\*\.py)?`", text) for folder in suffixes)


@pytest.mark.parametrize("package", PACKAGES)
def test_the_readme_names_every_module(package: str) -> None:
    text = (ROOT / package / "README.md").read_text(encoding="utf-8")
    missing = [m.as_posix() for m in _modules(package) if not _named(text, m)]
    assert not missing, f"{package}/README.md does not name: {missing}"


@pytest.mark.parametrize("package", PACKAGES)
def test_the_files_the_readme_names_exist(package: str) -> None:
    text = (ROOT / package / "README.md").read_text(encoding="utf-8")
    in_package = {p.name for p in (ROOT / package).rglob("*")}
    absent = []
    for name in sorted(set(FILE.findall(text))):
        if PLACEHOLDER.search(name):  # `fixtures/CODE.json`: one file per issue code
            continue
        top = name.split("/", 1)[0]
        if top in REPO_FOLDERS:  # a path from the repository's root
            found = (ROOT / name).exists()
        elif name.endswith(".py") or top == "data":  # a module or data file of this package
            found = (ROOT / package / name).exists() or Path(name).name in in_package
        else:  # an artifact's or a third party's file name (`snapshot.json`, botocore's `partitions.json`)
            continue
        if not found:
            absent.append(name)
    assert not absent, f"{package}/README.md names files that do not exist: {absent}"


def test_the_docs_pages_name_only_source_files_that_exist() -> None:
    """Paths from the repository's root in docs/ and README.md (`solvers/lazy.py`, `tools/x.py`)."""
    absent = []
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        for name in set(FILE.findall(page.read_text(encoding="utf-8"))):
            if name.split("/", 1)[0] in REPO_FOLDERS and not PLACEHOLDER.search(name) and not (ROOT / name).exists():
                absent.append(f"{page.relative_to(ROOT)}: {name}")
    assert not absent, "\n".join(sorted(absent))
