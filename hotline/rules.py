"""The rule settings: built-in defaults (``hotline/rules.yaml``, the seed report's values)
overridden key by key by the data folder's ``reference/rules.yaml``."""

from __future__ import annotations

import copy
import datetime
import functools
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from hotline.settings import DEFAULT_RULES_FILE

if TYPE_CHECKING:
    from hotline.rules_model import Rules


class RulesError(ValueError):
    pass


@functools.lru_cache(maxsize=1)
def _default_rules_parsed() -> dict[str, Any]:
    # parsed once per process: the defaults are read for every month of a range
    return yaml.safe_load(DEFAULT_RULES_FILE.read_text(encoding="utf-8"))


def default_rules() -> dict[str, Any]:
    """The built-in defaults, a fresh copy each call (callers merge into it)."""
    return copy.deepcopy(_default_rules_parsed())


def _merge(base: dict, override: dict, path: str, source: Path) -> dict:
    merged = copy.deepcopy(base)
    for key, value in override.items():
        where = f"{path}.{key}" if path else str(key)
        if key not in base:
            raise RulesError(f"{source}: unknown rule setting '{where}'. Known keys here: {', '.join(map(str, base))}")
        if isinstance(base[key], dict) and not _is_open_map(where):
            if not isinstance(value, dict):
                raise RulesError(f"{source}: rule setting '{where}' must be a mapping")
            merged[key] = _merge(base[key], value, where, source)
        else:
            merged[key] = value
    return merged


# Maps whose keys are data (labels), not setting names: an override replaces them whole.
_OPEN_MAPS = {"credit.resolution", "credit.satisfaction", "groups.roster_groups", "report.channel_labels"}


def _is_open_map(where: str) -> bool:
    return where in _OPEN_MAPS


def load_rules(reference_dir: Path) -> dict[str, Any]:
    """The effective rules: defaults, then ``reference_dir/rules.yaml`` if present."""
    rules = default_rules()
    override_file = reference_dir / "rules.yaml"
    if override_file.exists():
        try:
            override = yaml.safe_load(_rules_text(override_file)) or {}
        except yaml.YAMLError as exc:
            raise RulesError(
                f"{override_file}: not valid YAML ({exc}). Fix the file or remove it to use the defaults."
            ) from None
        except ValueError as exc:  # YAML read an impossible date such as 2024-13-01 unquoted
            raise RulesError(
                f"{override_file}: a value is not what it looks like ({exc}); quote dates as "
                "'2024-02-26' and check the numbers"
            ) from None
        if not isinstance(override, dict):
            raise RulesError(f"{override_file}: must be a mapping of rule settings")
        rules = _merge(rules, override, "", override_file)
    _check(rules, override_file if override_file.exists() else DEFAULT_RULES_FILE)
    if isinstance(rules["report"].get("date"), datetime.date):
        # YAML reads an unquoted 2024-02-26 as a date; the rules are stored as JSON text
        rules["report"]["date"] = rules["report"]["date"].isoformat()
    return rules


def load_typed_rules(reference_dir: Path) -> Rules:
    """``load_rules`` as the typed model the code reads (``rules.window.default_start_day``); the dict
    itself is what ref.rules stores."""
    from hotline.rules_model import typed_rules

    return typed_rules(load_rules(reference_dir))


def _rules_text(path: Path) -> str:
    """rules.yaml as text: UTF-8 (a BOM is fine). A file saved as GBK/GB18030 (Notepad's "ANSI" on a
    Chinese Windows) is refused by name rather than read with garbled labels."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        try:
            raw.decode("gb18030")
            looks = 'it looks saved as GBK/GB18030 ("ANSI" on a Chinese Windows)'
        except UnicodeDecodeError:
            looks = f"the byte at offset {exc.start} is not UTF-8"
        raise RulesError(
            f"{path}: not UTF-8 text ({looks}). Save it again with the encoding UTF-8 "
            "(Notepad: 另存为 → 编码 UTF-8) and run again."
        ) from None


def _check(rules: dict[str, Any], source: Path) -> None:
    """Types and ranges of every setting (hotline/rules_model.py), all problems in one message."""
    from hotline.rules_model import rule_problems

    problems = rule_problems(rules)
    if problems:
        raise RulesError(
            f"{source}: {len(problems)} problem(s) with the rule settings\n"
            + "\n".join(f"  rules.yaml: {p}" for p in problems)
        )


def rules_json(rules: dict[str, Any]) -> str:
    return json.dumps(rules, ensure_ascii=False, sort_keys=True)
