"""The one set of definitions: it loads, holds every table of the contract as an asset, and the
real ``dagster dev`` serves it with its lineage."""

import os

from dagster import AssetKey

from tests.dagster_server import dagster_dev, graphql

CONTRACT_TABLES = [
    ("core", "assignments"),
    ("core", "rejected_rows"),
    ("mart", "overview"),
    ("mart", "channel_counts"),
    ("mart", "request_type_shares"),
    ("mart", "unit_scores"),
    ("mart", "enterprise_scores"),
    ("mart", "hotspots"),
    ("mart", "onsite_2h"),
]


def test_definitions_load_with_every_contract_table_as_a_partitioned_asset():
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = set(graph.get_all_asset_keys())
    for table in CONTRACT_TABLES:
        key = AssetKey(list(table))
        assert key in keys, key
        assert graph.get(key).partitions_def is not None
    assert defs.resolve_job_def("month_job") is not None
    # every asset has a description and a group an operator can read
    for key in keys:
        node = graph.get(key)
        assert node.description, f"{key.to_user_string()} has no description"
        assert node.group_name != "default", f"{key.to_user_string()} has no group"


def test_dagster_dev_serves_the_assets_and_their_lineage(hotline_env, tmp_path):
    log = tmp_path / "dagster_dev.log"
    with dagster_dev(dict(os.environ), log) as port:
        nodes = graphql(port, "{ assetNodes { assetKey { path } groupName dependencyKeys { path } } }")["data"][
            "assetNodes"
        ]
    by_key = {tuple(n["assetKey"]["path"]): n for n in nodes}
    upstream = {k: {tuple(d["path"]) for d in n["dependencyKeys"]} for k, n in by_key.items()}
    assert ("ref", "units") in upstream[("core", "assignments")]
    assert ("core", "assignments") in upstream[("mart", "unit_scores")]
    assert ("core", "orders") in upstream[("mart", "hotspots")]  # and its 环比/同比 bases (assets/overview.py)
    assert by_key[("core", "assignments")]["groupName"] == "ingest"
    output = log.read_text()
    # no warnings about the project's own code while loading it
    project_warnings = [
        line
        for line in output.splitlines()
        if "Warning" in line and any(p in line for p in ("/assets/", "/pipelines/", "/schemas/"))
    ]
    assert not project_warnings, "\n".join(project_warnings)
