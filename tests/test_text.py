"""诉求内容 → terms (hotline/text), core.order_terms, mart.hotspot_aspects, mart.hotspot_terms and
mart.place_clusters, on a small hand-made data folder through the real ingest and a real Dagster run."""

import ast
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import polars as pl
from dagster import AssetKey

try:
    from tests.test_overview import (
        OTHER,
        PROPERTY,
        WAGES,
        WAGES_FIRM,
        WAGES_MIGRANT,
        data,
        day_in_window,
        query,
        run_month,
    )
except ImportError:  # tests/ not a package
    from test_overview import (
        OTHER,
        PROPERTY,
        WAGES,
        WAGES_FIRM,
        WAGES_MIGRANT,
        data,  # noqa: F401
        day_in_window,
        query,
        run_month,
    )

from hotline.text import order_terms, segment
from hotline.text.terms import segment_frame, segment_pieces

MONTH = "2024-02"
PARKING = "城乡建设/物业管理/停车管理"
TEXT_MARTS = [AssetKey(["mart", n]) for n in ("hotspots", "hotspot_aspects", "hotspot_terms", "place_clusters")]
PLANTED = ["诸葛青云", "欧阳娜娜", "13912345678", "37150219800101123X", "司马相如"]


def with_text(
    rows: list[list[str]], content: str, caller: str, phone: str, address: str | None = None, day: int | None = None
) -> list[list[str]]:
    """The rows of one order with 诉求内容, 来电人, 联系电话 (and 诉求地址, the day of receipt) set."""
    for row in rows:
        row[6], row[7], row[8] = content, caller, phone
        if address is not None:
            row[5] = address
        if day is not None:
            received = day_in_window(MONTH) + timedelta(days=day)
            row[1] = f"{received:%Y-%m-%d %H:%M:%S}"
            row[10] = f"{received + timedelta(minutes=30):%Y-%m-%d %H:%M:%S}"
            row[11] = f"{received + timedelta(minutes=50):%Y-%m-%d %H:%M:%S}"
            row[12] = f"{received + timedelta(days=1):%Y-%m-%d %H:%M:%S}"
    return rows


def build_month(data) -> None:
    rows = []
    # 卫生保洁: 6 orders, 4 callers, one place within 3 days: a cluster. A third person's name, a
    # phone and an ID number are planted in every text (6 orders, 4 callers: above the thresholds).
    phones = ["13800000001", "13800000002", "13800000003", "13800000004", "13800000001", "13800000002"]
    for i, phone in enumerate(phones):
        rows += with_text(
            data.order_rows(MONTH, units="区住建局", path=PROPERTY),
            f"来电人反映楼道垃圾清运不及时，楼道卫生无人打扫，负责人诸葛青云电话13912345678，"
            f"身份证37150219800101123X，邻居欧阳娜娜家门口堆满垃圾{'。' * i}",
            f"王{i}先生",
            phone,
            address="聚鑫苑小区",
            day=i // 2,
        )
    # 停车管理: 3 orders (too few for a term of its own)
    for i in range(3):
        rows += with_text(
            data.order_rows(MONTH, units="区住建局", path=PARKING),
            "小区停车位紧张，车辆乱停乱放",
            "李女士",
            f"1390000000{i}",
            address="水城华府",
        )
    # 农民工欠薪 7 orders from 7 callers (one co-handled), 企业欠薪 2, the hotspot's own prefix 1
    for i in range(7):
        units = ["区人社局", "甲镇"] if i == 0 else "区人社局"
        rows += with_text(
            data.order_rows(MONTH, units=units, path=WAGES_MIGRANT),
            f"工地包工头拖欠农民工工资{'，春节前讨要无果' if i % 2 else ''}，司马相如不给钱",
            "司马相如" if i == 0 else f"赵{i}",
            f"1370000000{i}",
            address="甲镇",
        )
    rows += with_text(data.order_rows(MONTH, path=WAGES_FIRM, count=1), "公司拖欠工资", "钱女士", "13600000000")
    rows += with_text(data.order_rows(MONTH, path=WAGES_FIRM, count=1), "公司拖欠工资", "钱女士", "13600000000")
    rows += with_text(data.order_rows(MONTH, path=WAGES, count=1), "拖欠工资", "孙先生", "13500000000")
    # 其他: 10 orders; "下水道" from 6 callers, "噪音" from 6 orders of only 2 callers (kept out)
    for i in range(10):
        rows += with_text(
            data.order_rows(MONTH, path=OTHER),
            "下水道堵塞，噪音很大" if i < 6 else "下水道堵塞",
            f"周{i}",
            "1330000000" + str(i % 2 if i < 6 else i),
        )
    data.write_month(MONTH, rows)
    run_month(MONTH, TEXT_MARTS)


def test_segment_masks_names_numbers_and_formulaic_words():
    frame = pl.DataFrame(
        {
            "order_id": ["a", "b"],
            "content": [
                "我是欧阳娜娜，电话１３９１２３４５６７８，来电人反映沙镇镇王庄村停水频繁，王先生家水压较小",
                "负责人诸葛青云身份证37150219800101123X不接电话",
            ],
            "caller_name": ["欧阳娜娜", "李四"],
        }
    )
    terms = order_terms(frame)
    found = set(terms["term"])
    assert {"停水", "频繁", "水压"} <= found
    assert ("a", "王庄村", "place") in terms.rows()
    # no name, no part of one, no number, no formulaic word, no single character
    for leaked in ("欧阳", "娜娜", "欧阳娜娜", "诸葛", "青云", "王先生", "先生", "来电人", "反映"):
        assert leaked not in found, leaked
    assert not any(any(c.isdigit() for c in t) or len(t) < 2 for t in found)
    assert segment(["拖欠工资，问题"]) == [[("拖欠工资", "term")]]


def test_texts_cut_together_split_as_each_alone():
    """Texts are cut in batches joined by a separator: each text still gets the terms it gets
    alone (blank and Latin-only texts none); a batch where a text holds the separator itself is cut
    one text at a time, with the same terms."""
    texts = ["小区停水频繁\r\n水压较小", "", "拖欠工资", " \n", "abc 停车", "王庄村扬尘"]
    together = segment(texts)
    assert together == [segment([text])[0] for text in texts]
    assert together == [
        [("小区", "term"), ("停水", "term"), ("频繁", "term"), ("水压", "term")],
        [],
        [("拖欠工资", "term")],
        [],
        [("停车", "term")],
        [("王庄村", "place"), ("扬尘", "term")],
    ]
    with_separator = segment(texts + ["楼道\x00下水道堵塞"])
    assert with_separator[:-1] == together
    assert with_separator[-1] == [("楼道", "term"), ("下水道", "term"), ("堵塞", "term")]


def test_texts_cut_by_pieces_as_whole():
    """The ingest cuts each distinct piece between punctuation and spaces once: every text gets the
    terms it gets cut whole, names next to punctuation included."""
    texts = [
        "负责人诸葛青云，电话不接",
        "诸葛，青云家门口堆满垃圾",
        "来电人反映小区停水频繁\r\n水压较小",
        "“王庄村”扬尘严重\u3000要求处理",
        "欧阳娜娜反映：楼道卫生无人打扫",
        "楼道卫生无人打扫；小区停水频繁",
        "",
        "abc",
        "拖欠工资（春节前）讨要无果!工地包工头",
        "小区停水频繁",
    ]
    by_pieces = segment_pieces(pl.Series(texts)).sort("text", "term")
    assert by_pieces.equals(segment_frame(texts).sort("text", "term"))
    assert set(by_pieces.filter(pl.col("text") == 5)["term"]) == {"楼道", "卫生", "打扫", "小区", "停水", "频繁"}
    assert ("王庄村", "place") in by_pieces.filter(pl.col("text") == 3).select("term", "kind").rows()
    assert by_pieces.filter(pl.col("text").is_in([6, 7])).height == 0


def test_terms_aspects_and_clusters(data):
    build_month(data)
    # every stored term is used by at least 5 orders from at least 3 callers of the month
    weak = query(
        """SELECT term, count(DISTINCT order_id) AS orders, count(DISTINCT caller) AS callers
                    FROM core.order_terms WHERE month = $m AND kind <> 'keyword' GROUP BY term
                    HAVING count(DISTINCT order_id) < 5 OR count(DISTINCT caller) < 3""",
        {"m": MONTH},
    )
    assert weak == []
    stored = {r["term"] for r in query("SELECT DISTINCT term FROM core.order_terms WHERE month = $m", {"m": MONTH})}
    assert {"楼道", "下水道", "包工头", "农民工"} <= stored
    assert "噪音" not in stored  # 6 orders but 2 callers
    assert "停车位" not in stored  # 3 orders
    assert not stored & {"诸葛", "青云", "欧阳", "娜娜", "司马相如", "司马"}

    aspects = {
        (r["hotspot"], r["aspect"]): r
        for r in query("SELECT * FROM mart.hotspot_aspects WHERE month = $m", {"m": MONTH})
    }
    assert set(aspects) == {
        ("物业管理", "卫生保洁"),
        ("物业管理", "停车管理"),
        ("拖欠工资", "农民工欠薪"),
        ("拖欠工资", "企业欠薪"),
        ("拖欠工资", "其他"),
    }
    sanitation = aspects[("物业管理", "卫生保洁")]
    assert (sanitation["orders"], sanitation["share_pct"], sanitation["rank"]) == (6, Decimal("66.67"), 1)
    assert sanitation["places"] == ["聚鑫苑小区"]
    assert sanitation["orders_last_month"] is None and sanitation["mom_pct"] is None
    migrant = aspects[("拖欠工资", "农民工欠薪")]
    assert (migrant["orders"], migrant["share_pct"], migrant["rank"]) == (7, Decimal("70.00"), 1)
    assert (aspects[("拖欠工资", "企业欠薪")]["orders"], aspects[("拖欠工资", "其他")]["orders"]) == (2, 1)

    terms = query("SELECT * FROM mart.hotspot_terms WHERE month = $m ORDER BY hotspot, aspect, rank", {"m": MONTH})
    assert terms and all(r["orders"] >= 5 and r["callers"] >= 3 and r["score"] > 0 for r in terms)
    by_group = {}
    for r in terms:
        by_group.setdefault((r["hotspot"], r["aspect"]), []).append(r["term"])
    assert "垃圾清运" in by_group[("物业管理", "")] and "垃圾清运" in by_group[("物业管理", "卫生保洁")]
    assert len(by_group[("物业管理", "卫生保洁")]) == 5  # text.terms_per_aspect
    assert "包工头" in by_group[("拖欠工资", "农民工欠薪")]
    assert "下水道" not in {t for ts in by_group.values() for t in ts}  # 其他 is no hotspot
    assert ("物业管理", "停车管理") not in by_group  # 3 orders: no term qualifies
    # 聚鑫苑小区 is a place: neither it nor a piece of it is a term
    assert not {"聚鑫", "聚鑫苑", "小区"} & {t for ts in by_group.values() for t in ts}

    clusters = query("SELECT * FROM mart.place_clusters WHERE month = $m", {"m": MONTH})
    # 甲镇: 7 migrant-wage orders on one day (a co-handled order counts once); 水城华府: 3 orders, no cluster
    assert [(c["place"], c["hotspot"], c["aspect"], c["orders"], c["callers"]) for c in clusters] == [
        ("甲镇", "拖欠工资", "农民工欠薪", 7, 7),
        ("聚鑫苑小区", "物业管理", "卫生保洁", 6, 4),
    ]
    first = next(c for c in clusters if c["place"] == "聚鑫苑小区")
    assert (first["last_received"] - first["first_received"]).days == 2

    # the planted personal data is in no table of the warehouse
    tables = query("SELECT table_schema, table_name FROM information_schema.tables")
    for t in tables:
        text = str(query(f'SELECT * FROM "{t["table_schema"]}"."{t["table_name"]}"'))
        for secret in PLANTED:
            assert secret not in text, (t, secret)


def test_nothing_under_hotline_imports_dagster():
    root = Path(__file__).resolve().parents[1] / "hotline"
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        assert not [n for n in names if n.split(".")[0] in ("dagster", "dagster_duckdb", "assets", "pipelines")], path


def test_aspects_csv_comes_first_for_the_hotspots_it_names(data):
    # 物业管理 by the analyst's aspects: first matching row in file order; keywords match the text
    data.write_csv(
        data.root / "reference" / "aspects.csv",
        ["热点问题", "方面", "诉求分类前缀", "关键词"],
        [
            ("物业管理", "停车难", PARKING, ""),
            ("物业管理", "环境卫生", "", "垃圾|卫生"),
            ("物业管理", "物业收费", "城乡建设/物业管理", "物业费"),
        ],
    )
    build_month(data)
    aspects = {
        (r["hotspot"], r["aspect"]): r["orders"]
        for r in query("SELECT * FROM mart.hotspot_aspects WHERE month = $m", {"m": MONTH})
    }
    assert aspects == {
        ("物业管理", "环境卫生"): 6,
        ("物业管理", "停车难"): 3,
        ("拖欠工资", "农民工欠薪"): 7,
        ("拖欠工资", "企业欠薪"): 2,
        ("拖欠工资", "其他"): 1,
    }
    # the keywords are recorded for every order whose text holds them (the analyst's words)
    keyword_orders = query(
        "SELECT term, count(*) AS n FROM core.order_terms WHERE month = $m AND kind = 'keyword' "
        "GROUP BY term ORDER BY term",
        {"m": MONTH},
    )
    assert keyword_orders == [{"term": "卫生", "n": 6}, {"term": "垃圾", "n": 6}]
    clusters = query(
        "SELECT aspect, orders FROM mart.place_clusters WHERE month = $m AND place = '聚鑫苑小区'", {"m": MONTH}
    )
    assert clusters == [{"aspect": "环境卫生", "orders": 6}]


def test_aspects_csv_fault_names_the_row(data):
    import subprocess
    import sys

    data.write_csv(data.root / "reference" / "aspects.csv", ["热点问题", "方面"], [("物业管理", "")])
    data.write_month(MONTH, data.order_rows(MONTH, path=PROPERTY))
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "run", MONTH],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
        timeout=600,
    )
    assert done.returncode != 0
    assert "aspects.csv" in done.stdout + done.stderr and "Traceback" not in done.stdout + done.stderr


def test_validate_judges_aspects_csv_as_a_reference_file(data):
    from hotline.contract.validate import validate_paths

    path = data.root / "reference" / "aspects.csv"
    data.write_csv(path, ["热点问题", "方面", "关键词"], [("物业管理", "环境卫生", "垃圾|卫生")])
    assert validate_paths([path], echo=lambda _: None) == []
    data.write_csv(path, ["热点问题", "方面", "关键词"], [("物业管理", "环境卫生", ""), ("物业管理", "", "停车")])
    faults = validate_paths([data.root / "reference"], echo=lambda _: None)
    assert len(faults) == 1 and "aspects.csv" in faults[0] and "3" in faults[0] and "方面" in faults[0]


def test_places_from_the_text_where_the_address_is_empty(data):
    rural = "城乡建设/供水/农村供水/停水"
    rows = []
    for i in range(6):
        rows += with_text(
            data.order_rows(MONTH, units="区水利局", path=rural),
            f"来电人反映沙镇镇王庄村停水频繁{'，水压较小' * (i % 2)}",
            f"吴{i}",
            f"1350000001{i}",
            address="",
        )
    data.write_month(MONTH, rows)
    run_month(MONTH, TEXT_MARTS)
    aspects = query("SELECT aspect, orders, places FROM mart.hotspot_aspects WHERE month = $m", {"m": MONTH})
    assert aspects == [{"aspect": "农村生活用水", "orders": 6, "places": ["王庄村"]}]
    clusters = query("SELECT place, aspect, orders, callers FROM mart.place_clusters WHERE month = $m", {"m": MONTH})
    assert clusters == [{"place": "王庄村", "aspect": "农村生活用水", "orders": 6, "callers": 6}]


def test_text_rule_settings_are_checked(tmp_path):
    import pytest

    from hotline.rules import RulesError, load_rules

    (tmp_path / "rules.yaml").write_text("text:\n  min_callers: 2\n  cluster_days: 3\n", encoding="utf-8")
    rules = load_rules(tmp_path)
    assert (rules["text"]["min_callers"], rules["text"]["min_orders"], rules["text"]["cluster_days"]) == (2, 5, 3)
    for bad in ("min_callers: 0", "min_orders: 2.5", "aspects_cover_pct: 120", "prior_weight: 0"):
        (tmp_path / "rules.yaml").write_text(f"text:\n  {bad}\n", encoding="utf-8")
        with pytest.raises(RulesError, match="text." + bad.split(":")[0]):
            load_rules(tmp_path)


def test_month_order_aspects_once_per_transaction(data):
    """The text marts of one step share the month's order aspects (a temp table): computed once in a
    transaction, again in the next one, so a table written in between is never read stale."""
    import duckdb

    from hotline.marts import month_order_aspects, text_params
    from hotline.settings import Settings
    from hotline.warehouse import month_rules, prepare, scalar, transaction

    build_month(data)
    with duckdb.connect(str(Settings.from_env().warehouse)) as con:
        prepare(con)
        params = {"month": MONTH, **text_params(month_rules(con, MONTH))}
        stored = "SELECT count(*) FROM month_order_aspects WHERE month = $m"
        orders = scalar(con, "SELECT count(*) FROM core.orders WHERE month = $m", {"m": MONTH})
        with transaction(con):
            month_order_aspects(con, params)
            assert scalar(con, stored, {"m": MONTH}) == orders
            con.execute(
                "DELETE FROM core.orders WHERE month = $m AND order_id = "
                "(SELECT min(order_id) FROM core.orders WHERE month = $m)",
                {"m": MONTH},
            )
            month_order_aspects(con, params)  # the same transaction (one marts step): kept
            assert scalar(con, stored, {"m": MONTH}) == orders
            month_order_aspects(con, {**params, "other_aspect": "其它"})  # other labels: computed again
            assert scalar(con, stored, {"m": MONTH}) == orders - 1
            assert scalar(con, "SELECT count(*) FROM month_order_aspects WHERE aspect = '其它'") > 0
        with transaction(con):
            month_order_aspects(con, params)  # a later transaction: computed again
            assert scalar(con, stored, {"m": MONTH}) == orders - 1
            assert scalar(con, "SELECT count(*) FROM month_order_aspects WHERE aspect = '其它'") == 0


def test_terms_are_stored_once_per_text_and_a_table_of_order_terms_is_moved(data):
    """core.text_terms holds each distinct text's terms once, core.orders.text each order's text;
    the view core.order_terms joins them. A warehouse where core.order_terms was a table (one row
    per order and term) and core.orders had no text or caller gets those rows moved when opened,
    and the view gives the same rows."""
    import duckdb

    from hotline.settings import Settings
    from hotline.warehouse import prepare, scalar

    build_month(data)
    by_order = "SELECT order_id, term, kind, caller FROM core.order_terms WHERE month = $m ORDER BY ALL"
    stored = query(by_order, {"m": MONTH})
    counts = query(
        "SELECT count(text) AS orders, count(DISTINCT text) AS texts, "
        "(SELECT count(*) FROM core.text_terms WHERE month = $m) AS text_terms FROM core.orders WHERE month = $m",
        {"m": MONTH},
    )[0]
    assert counts["texts"] < counts["orders"]  # the month's orders repeat texts: stored once each
    assert counts["text_terms"] < len(stored)
    with duckdb.connect(str(Settings.from_env().warehouse)) as con:
        # the layout of a warehouse written before: a table of (order, term) rows, no per-text table,
        # core.orders without text and caller
        con.execute("CREATE TABLE core.order_terms_before AS SELECT * FROM core.order_terms")
        con.execute("DROP VIEW core.order_terms")
        con.execute("DELETE FROM core.text_terms")
        con.execute("ALTER TABLE core.orders DROP COLUMN text")
        con.execute("ALTER TABLE core.orders DROP COLUMN caller")
        con.execute("ALTER TABLE core.order_terms_before RENAME TO order_terms")
        prepare(con)
        kind = "SELECT table_type FROM information_schema.tables WHERE table_name = 'order_terms'"
        assert scalar(con, kind) == "VIEW"
        # each order of the old rows is one text of its own
        assert scalar(con, "SELECT count(DISTINCT text) FROM core.orders") == len({r["order_id"] for r in stored})
    assert query(by_order, {"m": MONTH}) == stored


def test_texts_are_numbered_in_order_of_first_appearance():
    """The same rows give the same text numbers (core.orders.text is reproducible): the distinct
    masked texts are numbered as they first appear."""
    from hotline.text.terms import text_terms

    orders = pl.DataFrame(
        {
            "order_id": ["o1", "o2", "o3", "o4", "o5"],
            "content": ["小区停水频繁", "楼道卫生无人打扫", "小区停水频繁", None, "楼道卫生无人打扫13812345678"],
            "caller_name": [None, None, None, None, None],
        },
        schema={"order_id": pl.String, "content": pl.String, "caller_name": pl.String},
    )
    order_texts, terms = text_terms(orders)
    assert sorted(order_texts.rows()) == [("o1", 0), ("o2", 1), ("o3", 0), ("o5", 2)]
    assert set(terms.filter(pl.col("text") == 0)["term"]) == {"小区", "停水", "频繁"}
    assert set(terms.filter(pl.col("text") == 2)["term"]) == set(terms.filter(pl.col("text") == 1)["term"])
