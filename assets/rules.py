"""The rule settings: built-in defaults (``pipelines/rules.yaml``, the seed report's values)
overridden key by key by the data folder's ``reference/rules.yaml``."""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

import yaml

from pipelines.settings import DEFAULT_RULES_FILE


class RulesError(ValueError):
    pass


@functools.lru_cache(maxsize=1)
def _default_rules_parsed() -> dict[str, Any]:
    # parsed once per process: the defaults are read for every month of a range (~40 ms each)
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
            override = yaml.safe_load(override_file.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise RulesError(f"{override_file}: not valid YAML ({exc}). Fix the file or remove it to use the defaults.") from exc
        if not isinstance(override, dict):
            raise RulesError(f"{override_file}: must be a mapping of rule settings")
        rules = _merge(rules, override, "", override_file)
    _check(rules)
    return rules


def _check(rules: dict[str, Any]) -> None:
    for name, credit in {**rules["credit"]["resolution"], **rules["credit"]["satisfaction"]}.items():
        if not isinstance(credit, (int, float)) or not 0 <= credit <= 1:
            raise RulesError(f"rules.yaml: credit of '{name}' must be a number between 0 and 1, got {credit!r}")
    weights = rules["scores"]["overall_rank_weights"]
    if set(weights) != {"handling_rank", "sampling_rank"}:
        raise RulesError("rules.yaml: scores.overall_rank_weights needs handling_rank and sampling_rank")
    if rules["anomalies"]["bases"] not in ("any", "all"):
        raise RulesError("rules.yaml: anomalies.bases must be any or all")
    if rules["enterprise"]["tie_order"] not in ("volume_desc", "roster"):
        raise RulesError("rules.yaml: enterprise.tie_order must be volume_desc or roster")
    _check_text(rules["text"])


# text: settings that count things; below 1 a term of one order or one caller (a name the masking
# missed) could be stored, so they are whole numbers of at least 1.
_TEXT_COUNTS = ("min_orders", "min_callers", "terms_per_aspect", "terms_in_report", "places_per_aspect",
                "places_in_report", "max_aspects", "cluster_min_orders", "cluster_days", "clusters_in_report")


def _check_text(text: dict[str, Any]) -> None:
    for key in _TEXT_COUNTS:
        value = text[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise RulesError(f"rules.yaml: text.{key} must be a whole number of at least 1, got {value!r}")
    for key, high in (("prior_weight", None), ("aspects_cover_pct", 100)):
        value = text[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0 or (high and value > high):
            limit = f" and at most {high}" if high else ""
            raise RulesError(f"rules.yaml: text.{key} must be a number above 0{limit}, got {value!r}")


def rules_json(rules: dict[str, Any]) -> str:
    return json.dumps(rules, ensure_ascii=False, sort_keys=True)
