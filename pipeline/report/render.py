"""`OUT/report.html`: one self-contained page rendered with Jinja2 from the scan's artifacts.

The page carries its data as JSON in a `<script type="application/json">` element (the policy texts
gzipped beside it), its style and script
inline, and asks for nothing over the network (its Content-Security-Policy forbids it), so it opens from
disk or from an artifact store as it is.
"""
from __future__ import annotations

import base64
import gzip
from importlib import resources
from pathlib import Path

import orjson
from markupsafe import Markup

# JSON inside a <script> element ends at the first "</script", and HTML parsers treat "<!--" specially:
# every "<", ">" and "&" (and the two line separators JavaScript once rejected) is written as an escape,
# which JSON allows inside strings, the only place they can occur.
_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028",
                              "\u2029": "\\u2029"})
REPORT_FILE = "report.html"
# the page's script, in parts joined in this order inside one function (templates/report-*.js)
SCRIPT_PARTS = ("report-data.js", "report-overview.js", "report-findings.js", "report-policy.js",
                "report-sections.js", "report-main.js")


def script_json(data: object) -> str:
    """`data` as JSON that can sit inside a <script> element unchanged."""
    return orjson.dumps(data).decode("utf-8").translate(_SCRIPT_SAFE)


def packed_texts(texts: list[str]) -> str:
    """The policy texts as base64 of gzipped JSON: policies are most of a large report's bytes and
    compress tenfold; the page inflates them with the browser's DecompressionStream. mtime 0 keeps the
    bytes a function of the texts."""
    return base64.b64encode(gzip.compress(orjson.dumps(texts), compresslevel=6, mtime=0)).decode("ascii")


def _asset(name: str) -> str:
    return resources.files("pipeline.report").joinpath("templates", name).read_text(encoding="utf-8")


def render_report(data: dict) -> str:
    import jinja2
    env = jinja2.Environment(loader=jinja2.PackageLoader("pipeline.report", "templates"),
                             autoescape=jinja2.select_autoescape(default=True),
                             trim_blocks=True, lstrip_blocks=True)
    data = dict(data)
    texts = packed_texts(data.pop("texts"))
    run = data["run"]
    title = "trustmap report"
    if run.get("organizationId"):
        title += f" · {run['organizationId']}"
    if run.get("finishedAt"):
        title += f" · {run['finishedAt']}"
    return env.get_template("report.html.j2").render(
        title=title, run=run, style=Markup(_asset("report.css")),
        script=Markup("\n".join(_asset(name) for name in SCRIPT_PARTS)),
        data=Markup(script_json(data)), texts=texts)


def write_report(out: Path, findings_part: dict | None = None) -> Path:
    """Build `out/report.html` from the artifacts in `out` (written atomically); `findings_part`: what
    a scan prepared from the documents it has just written (`model.ReportDraft`)."""
    from pipeline.artifacts import write_atomic
    from pipeline.report.model import report_data
    from solvers.catalog import gc_paused
    path = out / REPORT_FILE
    with gc_paused():  # the page's data is acyclic; the collector's passes over it were half the build's time
        write_atomic(path, render_report(report_data(out, findings_part)))
    return path


def report_command(out: str) -> Path:
    """`trustmap report OUT`: the folder must hold a scan's findings.json."""
    from solvers.errors import InputError
    folder = Path(out)
    if not folder.is_dir():
        raise InputError(f"{out} is not a folder")
    return write_report(folder)
