"""Synthetic 诉求内容 that make the text analysis mean something.

Each text is an operator's sentence: a formulaic opening (来电人反映…), the place, one to three
problem phrases of the order's aspect (several phrasings per aspect, words shared across aspects),
and a formulaic closing (要求…). Some texts are very short, some very long (a second complaint, a
history of earlier calls); some hold typos, noise (spaces, punctuation, digits), and personal data
that the pipeline must mask: the caller's own name, a phone number, an ID number, a neighbour
called 王先生, a named third person. Everything is invented.

Drawn with a generator of its own, so the sample's other fields (and every golden number) do not
depend on what the texts draw."""

from __future__ import annotations

import numpy as np
import polars as pl

# aspect (a level of the 诉求分类 path) → phrasings of the problem
PHRASES: dict[str, list[str]] = {
    "农民工欠薪": [
        "工地包工头拖欠农民工工资",
        "干完活项目部一直不给工钱",
        "工程完工后农民工工资未结清",
        "承包方拖欠务工人员工资",
        "讨要工资无果，工地已停工",
        "春节前农民工工资仍未发放",
    ],
    "企业欠薪": [
        "公司拖欠工资两个月",
        "离职后单位工资未结清",
        "老板拖欠员工工资和提成",
        "公司以经营困难为由不发工资",
        "拖欠加班费和绩效工资",
    ],
    "预付消费": [
        "办理会员卡后商家跑路",
        "预付卡余额无法退费",
        "健身房突然关门，储值卡不能用",
        "理发店办卡后停业",
        "培训机构退费难，预付学费不退",
    ],
    "服务消费": [
        "车辆维修质量差，维修费用不合理",
        "装修公司延误工期",
        "家政服务态度差，收费不透明",
        "洗车店损坏车辆拒不赔偿",
    ],
    "网络消费": [
        "网购商品质量问题，网店拒绝退货",
        "直播带货虚假宣传",
        "网上购买的商品与描述不符，商家不退款",
        "快递丢件，网店推诿",
    ],
    "食品消费": ["外卖餐饮吃出异物", "超市销售过期食品", "饭店卫生条件差，食品变质", "外卖食品变质引起腹泻"],
    "卫生保洁": [
        "楼道卫生无人打扫",
        "小区垃圾清运不及时，垃圾桶满溢",
        "物业保洁不到位，垃圾堆积发臭",
        "楼道内杂物堆放，卫生脏乱",
    ],
    "物业服务质量": [
        "电梯故障多次报修无人维修",
        "物业服务不到位，报修后迟迟不来",
        "物业费收费不合理",
        "门禁损坏物业不修",
        "楼顶漏雨物业推诿",
    ],
    "停车管理": ["小区停车位紧张，车辆乱停乱放", "物业乱收停车费", "车辆堵塞消防通道无人管理", "地下车库停车收费过高"],
    "农村生活用水": [
        "村内停水频繁",
        "自来水水压较小，二楼上不去水",
        "水表故障，读数不准",
        "村里主管道漏水",
        "水费较高，收费标准不清楚",
    ],
    "城区居民用水": ["家中停水，未提前通知", "自来水管道漏水", "水质浑浊发黄", "楼上漏水造成水损，责任不清"],
    "占道经营": ["流动摊贩占道经营", "商户占道经营，堵塞人行道", "早市摊贩占用道路", "夜市占道经营噪音大"],
    "扬尘": ["工地扬尘严重，未覆盖防尘网", "渣土车撒漏，道路扬尘", "拆迁工地扬尘污染"],
    "暴露垃圾": ["路边暴露垃圾无人清理", "垃圾乱堆乱放", "绿化带内暴露垃圾长期未清运"],
    # enterprise orders' categories (hotline/generator/sample.py ENTERPRISE_PATHS)
    "个税汇算": ["企业个税汇算申报遇到问题", "公司税费办理流程复杂，申报系统操作不明白"],
    "明码标价": ["商户价格未明码标价", "商家乱收费，价格欺诈"],
    "惠企政策": ["咨询惠企政策申报条件", "企业补贴政策兑现慢"],
    "就业补贴": ["企业吸纳就业补贴未发放", "咨询企业就业补贴申领流程"],
    "停电": ["商户频繁停电影响经营", "企业用电线路故障停电"],
    "营业执照": ["营业执照办理审批慢", "企业变更登记审批流程繁琐"],
}
PHRASES["农村供水"] = PHRASES["农村生活用水"]
PHRASES["城市供水"] = PHRASES["城区居民用水"]
OPENINGS = ["来电人反映", "市民来电反映", "来电反映", "市民称", "来电人称", "群众反映", ""]
CLOSINGS = ["，要求尽快处理。", "，希望相关部门协调解决。", "，要求相关部门处理。", "。", "，请核实处理。", ""]
NOISE = [" ", "  ", "！！", "。。", "…", "~"]
TYPOS = {"工资": "工姿", "停水": "停誰", "物业": "物叶", "垃圾": "拉圾", "维修": "维休", "退费": "退废"}
HISTORY = [
    "此前已多次拨打热线反映，问题一直未解决",
    "曾向社区反映过，至今没有答复",
    "上周已来电一次，工作人员答复会处理",
]
THIRD_PERSONS = ["张建国", "李秀英", "刘德胜"]


def _phrases_of(path: str | None) -> list[str]:
    levels = (path or "").split("/")
    for level in reversed(levels):
        if level in PHRASES:
            return PHRASES[level]
    return ["相关问题长期得不到解决", "办事流程不清楚", "服务态度差"]


def contents(seed: int, paths: list[str | None], addresses: list[str | None], callers: list[str | None]) -> pl.Series:
    """One 诉求内容 per order (the lists are per order)."""
    rng = np.random.default_rng([seed, 15])
    out = []
    for path, address, caller in zip(paths, addresses, callers):
        phrases = _phrases_of(path)
        r = rng.random(8)
        picked = (
            list(rng.choice(phrases, size=1 + int(r[0] * 2.2) if r[1] > 0.1 else 1, replace=False))
            if len(phrases) >= 3
            else [phrases[0]]
        )
        place = address or ""
        text = OPENINGS[int(r[2] * len(OPENINGS))] + place + "，".join(picked)
        if r[3] < 0.08:  # long: a history of earlier calls, and a second complaint
            text += "，" + HISTORY[int(r[4] * len(HISTORY))] + "。另外" + str(rng.choice(phrases))
        if r[4] < 0.06 and caller:
            text = f"本人{caller}，" + text
        if r[5] < 0.05:
            text += f"，联系电话1{int(rng.integers(30, 99))}{int(rng.integers(0, 10**8)):08d}"
        if r[5] > 0.98:
            text += f"，身份证号3715{int(rng.integers(10**13, 10**14))}"
        if r[6] < 0.04:
            text = text.replace("反映", f"反映邻居{caller[0] if caller else '王'}先生家", 1)
        if r[6] > 0.97:
            text += f"，负责人{THIRD_PERSONS[int(r[7] * len(THIRD_PERSONS))]}不接电话"
        if r[7] < 0.05:
            for right, wrong in TYPOS.items():
                text = text.replace(right, wrong, 1)
        if r[1] < 0.03:  # very short: the operator wrote the gist only
            text = str(picked[0])[:6]
        if r[2] > 0.95:
            text += NOISE[int(r[3] * len(NOISE))]
        out.append(text + CLOSINGS[int(r[5] * len(CLOSINGS))])
    return pl.Series("诉求内容", out, dtype=pl.String)
