"""The benchmark's code path (benchmarks/run.py) on 10k assignments, one repeat: every stage is
measured and the baseline computes. No timing is asserted: the numbers are BENCHMARKS.md's."""

import json

from benchmarks.run import STAGES, TEXT_STAGE, main


def test_benchmark_runs_every_stage_and_the_baseline(tmp_path):
    out = tmp_path / "BENCHMARKS.md"
    assert main(["--sizes", "10000", "--repeat", "1", "--work", str(tmp_path / "work"), "--out", str(out)]) == 0

    results = json.loads(out.with_suffix(".json").read_text())
    size = results["sizes"]["10000"]
    assert size["repeats"] == 1
    assert size["whole_wall_s"] > 0 and size["whole_peak_mib"] > 0
    # all processes at once (the run and the report's workers) hold at least the largest one
    assert size["whole_tree_peak_mib"] >= size["whole_peak_mib"]
    assert set(size["stages"]) == set(STAGES)
    for stage in STAGES:
        assert size["steps_s"][stage] > 0, f"no step of {stage} ran inside the whole run"
        assert size["stages"][stage]["wall_s"] > 0 and size["stages"][stage]["peak_mib"] > 0
    assert size["baseline_wall_s"] > 0 and size["baseline_peak_mib"] > 0
    # the text stage, read from the run's materializations: a part of the ingest and the marts
    assert 0 < size["steps_s"][TEXT_STAGE] < size["steps_s"]["reference+ingest"] + size["steps_s"]["marts"]

    table = out.read_text(encoding="utf-8")
    for stage in STAGES:
        assert f"{stage} (in run)" in table and f"{stage} alone" in table
    assert "| 10,000 |" in table and "fixed cost" in table and "baseline" in table
    assert "(largest process / all at once)" in table
    assert f"{TEXT_STAGE} (in run)" in table
