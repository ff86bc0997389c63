"""MkDocs hooks (mkdocs.yml `hooks:`): the parts of the documentation that are generated from the code.

A page asks for a generated block with a marker comment on a line of its own:

  <!-- trustmap:configuration -->      every settings key, from pipeline.settings.KEYS
  <!-- trustmap:scanner-actions -->    the actions of connectors/aws/scanner-policy.json, per statement

Generating them at build time means the reference cannot drift from the code; tests/docs checks the
output of these functions too.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCANNER_POLICY = ROOT / "connectors" / "aws" / "scanner-policy.json"

if str(ROOT) not in sys.path:  # mkdocs loads this file by path; the packages live next to it
    sys.path.insert(0, str(ROOT))


def _toml(value: object) -> str:
    """A default as it would be written in the TOML file."""
    if value is None:
        return "(required)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value)


def command_options() -> dict[str, set[str]]:
    """Every command of the CLI ("check no-new-access" for a subcommand) → the option names it accepts."""
    import typer  # typer ships its own copy of click: its classes are not the click package's

    from pipeline.cli import app
    found: dict[str, set[str]] = {}

    def walk(command, path: str) -> None:
        if hasattr(command, "commands"):  # a group
            for name, sub in command.commands.items():
                walk(sub, f"{path} {name}".strip())
        else:
            found[path] = {o for p in command.params if p.param_type_name == "option"
                           for o in p.opts + p.secondary_opts}

    walk(typer.main.get_command(app), "")
    return found


def settings_commands() -> dict[str, set[str]]:
    """The commands that read the settings file (those with --config), with their options."""
    return {name: opts for name, opts in command_options().items() if "--config" in opts}


def configuration_reference() -> str:
    """One table per TOML table: key, default, the command-line option that overrides it (and on which
    commands), meaning."""
    from pipeline.settings import ARRAY_TABLES, KEYS
    commands = settings_commands()
    tables: dict[str, list] = {}
    for key in KEYS:
        tables.setdefault(key.table, []).append(key)
    parts = []
    for table, keys in tables.items():
        header = f"[[{table}]]" if table in ARRAY_TABLES else f"[{table}]"
        parts.append(f"### `{header}` {{ #{table} }}\n")
        parts.append("| key | default | option | meaning |\n|---|---|---|---|")
        for key in keys:
            option = ""
            if key.option:
                first = key.option.split("/")[0]
                where = sorted(name for name, opts in commands.items() if first in opts)
                option = f"`{key.option}` ({', '.join(where)})"
            parts.append(f"| `{key.name}` | `{_toml(key.default)}` | {option} | {key.help} |")
        parts.append("")
    return "\n".join(parts)


def scanner_actions() -> str:
    """The scanner policy's statements: Sid, resources and actions grouped by service."""
    policy = json.loads(SCANNER_POLICY.read_text(encoding="utf-8"))
    parts = ["| statement | resource | actions |", "|---|---|---|"]
    for statement in policy["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        by_service: dict[str, list[str]] = {}
        for action in actions:
            service, _, name = action.partition(":")
            by_service.setdefault(service, []).append(name)
        listed = "<br>".join(f"`{s}`: {' '.join(sorted(names))}" for s, names in sorted(by_service.items()))
        resource = statement["Resource"] if isinstance(statement["Resource"], str) else ", ".join(statement["Resource"])
        parts.append(f"| `{statement['Sid']}` | `{resource}` | {listed} |")
    return "\n".join(parts) + "\n"


GENERATED = {"<!-- trustmap:configuration -->": configuration_reference,
             "<!-- trustmap:scanner-actions -->": scanner_actions}


def on_page_markdown(markdown: str, **kwargs) -> str:
    for marker, render in GENERATED.items():
        if marker in markdown:
            markdown = markdown.replace(marker, render())
    return markdown
