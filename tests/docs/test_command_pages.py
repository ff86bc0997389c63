"""Each command of the CLI has a page in docs/commands/ that names every option it takes, and names no
option it does not take. A command added without a page fails here on purpose."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "docs" / "commands"
# an option in the first column of a table row: "| `--flag` ...", "| `--flag` / `--no-flag` |"
TABLE_OPTION = re.compile(r"^\|\s*((?:`--[a-z0-9-]+[^`]*`\s*/?\s*)+)\|", re.M)
OPTION = re.compile(r"--[a-z0-9][a-z0-9-]*")


def _by_page(hooks) -> dict[str, dict[str, set[str]]]:
    """Page name (the top-level command) → {command path: its options}."""
    pages: dict[str, dict[str, set[str]]] = {}
    for path, options in hooks.command_options().items():
        pages.setdefault(path.split()[0], {})[path] = options
    return pages


def _mentions(text: str, option: str) -> bool:
    return re.search(re.escape(option) + r"(?![a-z0-9-])", text) is not None


def _options_section(text: str) -> str:
    match = re.search(r"^## Options\n(.*?)(?=^## )", text, re.M | re.S)
    assert match, "the page has no '## Options' section followed by another section"
    return match.group(1)


def test_every_command_has_a_page_naming_each_of_its_options(hooks) -> None:
    pages = _by_page(hooks)
    assert {"scan", "collect", "analyze", "validate", "check", "generate", "unused", "demo"} <= set(pages)
    missing: list[str] = []
    for page, commands in sorted(pages.items()):
        file = PAGES / f"{page}.md"
        if not file.is_file():
            missing.append(f"no page docs/commands/{page}.md")
            continue
        text = file.read_text(encoding="utf-8")
        assert text.startswith(f"# trustmap {page}\n"), f"{file.name} must start with '# trustmap {page}'"
        for path, options in sorted(commands.items()):
            if path != page:
                assert f"## {path.split(' ', 1)[1]}" in text, f"{file.name} has no section for `{path}`"
            missing += [f"{file.name}: `{path}` option {o} is not named" for o in sorted(options)
                        if not _mentions(text, o)]
    assert not missing, "\n".join(missing)


def test_the_options_tables_name_only_options_the_command_takes(hooks) -> None:
    for page, commands in _by_page(hooks).items():
        file = PAGES / f"{page}.md"
        if not file.is_file():
            continue  # reported by the test above
        section = _options_section(file.read_text(encoding="utf-8"))
        documented = {o for cell in TABLE_OPTION.findall(section) for o in OPTION.findall(cell)}
        taken = set().union(*commands.values())
        assert documented, f"{file.name}: the Options table names no option"
        assert documented <= taken, f"{file.name} documents options the CLI lacks: {sorted(documented - taken)}"
        assert taken <= documented, f"{file.name}: options missing from its table: {sorted(taken - documented)}"


def test_every_command_page_is_a_command_and_in_the_nav(hooks) -> None:
    pages = set(_by_page(hooks))
    files = {p.stem for p in PAGES.glob("*.md")} - {"index"}
    assert files <= pages, f"pages for commands the CLI does not have: {sorted(files - pages)}"
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_IgnoreTags)
    in_nav = set(re.findall(r"commands/([a-z0-9-]+)\.md", str(config["nav"])))
    assert files <= in_nav, f"command pages missing from mkdocs.yml's nav: {sorted(files - in_nav)}"
    index = (PAGES / "index.md").read_text(encoding="utf-8")
    assert all(f"]({name}.md)" in index for name in files), "docs/commands/index.md must link every command page"


class _IgnoreTags(yaml.SafeLoader):
    """mkdocs.yml uses MkDocs' own tags (!relative); their values do not matter here."""


_IgnoreTags.add_multi_constructor("!", lambda loader, suffix, node: None)
