"""The patterns of personal data that free text may hold: phone and ID numbers as people write
them, and a person named by surname and a form of address. One place for every masker: 诉求地址 and
rejected values (hotline/contract/exports.py) and 诉求内容 before segmentation (hotline/text/mask.py)."""

_FULL_WIDTH_DIGITS = list("０１２３４５６７８９")
_DIGITS = list("0123456789")
# What people write between the digits of a phone or ID number: spaces, dots, hyphens, dashes (in
# either width; digits are folded to ASCII first, the separators are kept as written).
_SEP = r"[\s.\-·・—–‒―‐‑－．]"
_S = f"{_SEP}?"
# An 18-digit ID written in groups (3715 0219 9001 0112 34) is told from two phone numbers side by
# side by its birth date (19xx/20xx, month, day); written without separators, any 18 or 15 digits.
_ID_IN_GROUPS = (
    rf"\d(?:{_S}\d){{5}}{_S}(?:1{_S}9|2{_S}0){_S}\d{_S}\d{_S}(?:0{_S}[1-9]|1{_S}[0-2]){_S}"
    rf"(?:0{_S}[1-9]|[12]{_S}\d|3{_S}[01])(?:{_S}\d){{3}}{_S}[\dXxＸｘ]"
)
ID_NUMBER = rf"{_ID_IN_GROUPS}|\d{{17}}[\dXx]|\d{{15}}"
PHONE_NUMBER = (
    rf"(?:[+＋]?86{_SEP}?)?1[3-9]\d(?:{_SEP}?\d){{8}}"
    rf"|[(（]?0\d{{2,3}}[)）]?{_SEP}?\d(?:{_SEP}?\d){{6,7}}"
)
# A person named by surname and a form of address (王先生, 欧阳女士): compound surnames first (the
# leftmost, longest reading), then single ones. Characters that are common words more often than
# surnames (来, 全, 都, 原 …) are left out: an address keeps its place names.
COMPOUND_SURNAMES = (
    "欧阳",
    "司马",
    "诸葛",
    "上官",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "长孙",
    "宇文",
    "司徒",
    "令狐",
    "夏侯",
    "澹台",
    "独孤",
    "南宫",
    "西门",
    "轩辕",
    "端木",
    "百里",
    "呼延",
    "万俟",
    "申屠",
    "太史",
    "钟离",
    "闻人",
    "赫连",
    "东郭",
    "鲜于",
    "濮阳",
    "单于",
    "公冶",
    "宗政",
    "拓跋",
    "第五",
)
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
    "余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段钱汤尹黎易常武乔贺赖龚"
    "文庞樊兰殷施陶洪翟安颜倪严牛温芦季俞章鲁葛伍韦申尤毕聂丛焦向柳邢路岳齐梅莫庄辛管祝左涂谷祁时舒耿"
    "牟卜詹关苗凌费纪靳盛童欧甄项曲游阳裴席卫查屈鲍覃霍翁隋植甘景薄包司柏宁柯阮桂闵解柴华车冉房边辜吉"
    "饶刁瞿戚丘古米池滕晋苑邬臧畅宫缪苟褚廉娄盖符奚穆党燕郎邸冀姬屠郜晏栾郁蒙喻揭窦迟敖糜鄢冷卓仇艾蓝"
    "巩仲虞卞封冼官楚佟栗匡宗巫鞠桑荆谌闫慕"
)
FORMS_OF_ADDRESS = ("先生", "女士", "小姐", "老师", "师傅", "阿姨", "大爷", "大妈", "大姐")
PERSON_BY_SURNAME = f"(?:{'|'.join(COMPOUND_SURNAMES)}|[{SURNAMES}])(?:{'|'.join(FORMS_OF_ADDRESS)})"
