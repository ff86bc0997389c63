"""The configuration reference is generated from pipeline.settings.KEYS; these tests tie KEYS to what the
settings code actually accepts, so the reference cannot drift from it."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from pipeline.settings import DEFAULT_CONFIG, KEYS, ScanSettings, load_settings
from solvers.errors import InputError


def _file_keys(data: dict) -> set[tuple[str, str]]:
    keys = set()
    for table, body in data.items():
        for entry in body if isinstance(body, list) else [body]:
            keys |= {(table, name) for name in entry}
    return keys


def test_every_key_of_the_default_config_is_declared_and_every_declared_key_is_documented(hooks) -> None:
    declared = {(k.table, k.name) for k in KEYS}
    shipped = _file_keys(tomllib.loads(DEFAULT_CONFIG.read_text(encoding="utf-8")))
    commented = {("archive_rules", "name"), ("archive_rules", "filter")}  # commented out in the file
    assert shipped | commented == declared
    reference = hooks.configuration_reference()
    for key in KEYS:
        assert f"`{key.name}`" in reference and key.help in reference
    assert {f"[{k.table}]" for k in KEYS if k.table != "archive_rules"} | {"[[archive_rules]]"} == {
        line.split("`")[1] for line in reference.splitlines() if line.startswith("### ")}


def _as_setting(value: object) -> object:
    """A TOML default as load_settings stores it."""
    if value == "":
        return None
    if isinstance(value, list):
        return tuple(value)
    return value


def test_documented_defaults_are_the_defaults_load_settings_applies(tmp_path: Path) -> None:
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    loaded = load_settings(str(empty), {})
    for key in KEYS:
        if key.table == "archive_rules":
            continue
        value = getattr(loaded, key.setting)
        expected = _as_setting(key.default)
        assert (str(value) if isinstance(value, Path) else value) == expected, key
    assert {k.setting for k in KEYS} <= set(ScanSettings.__dataclass_fields__)


def test_every_documented_option_exists_on_a_command_that_reads_the_settings(hooks) -> None:
    taken = set().union(*hooks.settings_commands().values())
    for key in KEYS:
        for option in filter(None, key.option.split("/")):
            assert option in taken, (key, option)


@pytest.mark.parametrize("text, message", [
    ("[scan]\nacounts = []\n", "unknown setting 'acounts' in [scan]"),
    ("[scna]\naccounts = []\n", "unknown table [scna]"),
    ('[[archive_rules]]\nname = "x"\nfilter = {}\nfliter = 1\n', "unknown setting 'fliter' in [archive_rules]"),
])
def test_an_undeclared_key_is_rejected(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "c.toml"
    config.write_text(text)
    with pytest.raises(InputError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_settings(str(config), {})
