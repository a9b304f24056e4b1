"""The rules as the typed model the code reads (hotline/rules_model.py ``typed_rules``, issue 14):
the same values as the merged dict stored in ref.rules, numbers as written, a misspelt key refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hotline.marts import enterprise_params, onsite_params, text_params, unit_scores_params
from hotline.rules import load_rules, rules_json
from hotline.rules_model import typed_rules

MONTH = "2024-02"


def test_the_model_holds_the_stored_values_numbers_as_written():
    stored = json.loads(rules_json(load_rules(Path("/nonexistent"))))  # what ref.rules holds
    rules = typed_rules(stored)
    # points 5 stays the int 5 (a float field would make it 5.0, and the bound text "5.0")
    assert (rules.scores.points.response, type(rules.scores.points.response)) == (5, int)
    assert (rules.onsite.within_hours, type(rules.onsite.within_hours)) == (2, int)
    assert rules.credit.resolution == {"已解决": 1, "基本解决": 0.8, "未解决": 0}
    assert type(rules.credit.resolution["已解决"]) is int
    assert rules.scores.overall_rank_weights.handling_rank == 0.3
    assert rules.text.min_orders == 5
    assert rules.report.date == ""
    # nothing is lost or changed on the way: dumped back, it is the stored JSON byte for byte
    assert rules_json(rules.model_dump()) == rules_json(stored)


def test_the_bound_values_are_the_yaml_text(tmp_path):
    (tmp_path / "rules.yaml").write_text(
        "scores:\n  points:\n    resolution: 40.5\n  overall_rank_weights:\n    handling_rank: 0.25\n"
        "    sampling_rank: 0.75\nonsite:\n  within_hours: 1.5\nenterprise:\n  points:\n    ontime: 20\n"
        "text:\n  prior_weight: 1\n",
        encoding="utf-8",
    )
    rules = typed_rules(json.loads(rules_json(load_rules(tmp_path))))
    scores = unit_scores_params(rules, MONTH)
    assert (scores["points_response"], scores["points_resolution"]) == ("5", "40.5")
    assert (scores["weight_handling"], scores["weight_sampling"], scores["no_callback_rate"]) == ("0.25", "0.75", "1")
    assert enterprise_params(rules, MONTH)["points_ontime"] == "20"
    assert onsite_params(rules, MONTH)["within_hours"] == "1.5"
    assert text_params(rules)["prior_weight"] == 1.0


def test_a_misspelt_setting_is_an_attribute_error():
    rules = typed_rules(load_rules(Path("/nonexistent")))
    with pytest.raises(AttributeError, match="min_order"):
        _ = rules.text.min_order
