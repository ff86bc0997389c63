"""A second opinion on action names from the AWS SDK's service models (botocore's data files, read as
data; botocore is never imported).

The IAM catalog lags behind AWS: services and actions launched after its last refresh would be
reported as invalid. The SDK models installed with boto3 are usually newer. An action the catalog
does not know is accepted when the SDK has an operation of that name, in a service whose IAM actions
mirror its API (most do; S3, whose API operations and IAM actions differ, does not). Loading the
models takes a couple of seconds, so it happens only when the catalog has no answer.
"""
from __future__ import annotations

import functools
import gzip
import importlib.util
import re
import zlib
from pathlib import Path

from solvers.catalog import load_catalog

# Share of a service's API operations that must be IAM actions of the same name before a new
# operation is taken as a new action.
MIRROR_RATIO = 0.8


_META = re.compile(r'"(?:endpointPrefix|signingName)"\s*:\s*"([^"]+)"')
_OPERATION = re.compile(r'"name"\s*:\s*"([A-Za-z0-9]+)"\s*,\s*"http"')
HEAD_BYTES = 4096  # the metadata block opens every model file


def _models_root() -> Path | None:
    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _head(model: Path) -> str:
    """The first HEAD_BYTES characters of a gzip'd model, from its first few compressed kilobytes
    (a GzipFile costs more to set up than the few bytes it would read)."""
    with open(model, "rb") as fh:
        raw = fh.read(HEAD_BYTES)
    text = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(raw, HEAD_BYTES)
    return text.decode("utf-8", errors="ignore")


@functools.cache
def _models() -> dict[str, tuple[Path, ...]]:
    """Signing name / endpoint prefix / folder name (lower case) -> the newest model files using it.
    Only the head of each file is read: decompressing every model in full takes seconds. The index is
    kept per botocore release (solvers/datacache.py)."""
    import orjson

    from solvers import datacache

    root = _models_root()
    if root is None:
        return {}
    # keyed by this module's text too: a change to how the index is read reads it again
    key = f"sdk-models {zlib.crc32(Path(__file__).read_bytes()):08x} {root} {_botocore_version(root)}"
    kept = datacache.read("sdk-models", key)
    if kept is not None:
        return {name: tuple(root / p for p in paths) for name, paths in orjson.loads(kept).items()}
    found = _index(root)
    datacache.write("sdk-models", key, orjson.dumps({name: [str(p.relative_to(root)) for p in paths]
                                                     for name, paths in found.items()}))
    return found


_VERSION = re.compile(r"""__version__\s*=\s*['"]([^'"]+)['"]""")


def _botocore_version(root: Path) -> str:
    """The installed botocore's version, read from its package file (botocore is never imported)."""
    try:
        found = _VERSION.search((root.parent / "__init__.py").read_text(encoding="utf-8"))
    except OSError:
        return "unknown"  # then the index is keyed by the folder alone
    return found.group(1) if found else "unknown"


def _index(root: Path) -> dict[str, tuple[Path, ...]]:
    """`_models`, read from the models' heads."""
    out: dict[str, list[Path]] = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        versions = sorted(p for p in folder.iterdir() if p.is_dir())
        model = versions[-1] / "service-2.json.gz" if versions else None
        if model is None or not model.exists():
            continue
        try:
            head = _head(model)
        except (OSError, zlib.error):
            continue  # a model we cannot read gives no second opinion
        for name in {folder.name, *_META.findall(head)}:
            out.setdefault(name.lower(), []).append(model)
    return {k: tuple(v) for k, v in out.items()}


@functools.lru_cache(maxsize=256)
def _operations(prefix: str) -> frozenset[str]:
    """The operation names (lower case) of the models that use this prefix."""
    ops: set[str] = set()
    for model in _models().get(prefix, ()):
        try:
            text = gzip.decompress(model.read_bytes()).decode("utf-8")
        except (OSError, EOFError, UnicodeDecodeError):
            continue
        # every operation object opens with its name and its HTTP binding; reading just those is ten
        # times faster than parsing the whole model
        ops.update(name.lower() for name in _OPERATION.findall(text))
    return frozenset(ops)


def knows_service(prefix: str) -> bool:
    return prefix.lower() in _models()


@functools.lru_cache(maxsize=1024)
def _mirrors(prefix: str) -> bool:
    ops = _operations(prefix)
    svc = load_catalog().service(prefix)
    if not ops or svc is None:
        return svc is None and bool(ops)  # a service only the SDK knows: its operations are all we have
    return len(ops & set(svc.actions)) >= MIRROR_RATIO * len(ops)


def knows_action(prefix: str, name: str) -> bool:
    """Whether the SDK vouches for `prefix:name` as an action the catalog does not list yet."""
    low = prefix.lower()
    return low in _models() and name.lower() in _operations(low) and _mirrors(low)
