"""The rule settings as a typed model: what each key of rules.yaml holds, its type and its range.

``hotline.rules.load_rules`` returns the merged dict (stored as JSON in ref.rules); this model validates
that dict, documents every key, and is what the code reads (``rules.flags.fast_close_minutes``, see
``typed_rules``, ``hotline.rules.load_typed_rules`` and ``hotline.warehouse.month_rules``): a misspelt key
is an AttributeError a type checker finds, not a KeyError at run time.

Each problem names the rules.yaml key path, the value and what is expected, e.g.
``flags.fast_close_minutes = 'ten': expected a whole number of minutes``.

Sections allow keys this model does not describe (``extra="allow"``): which keys exist is decided
by the defaults (hotline/rules.yaml), against which an override's unknown key is refused by name;
a new key added there should get its field here."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    model_validator,
)

# Every field is strict: YAML's 'ten' or true is never read as a number.
STRICT = ConfigDict(strict=True, extra="allow")


def _as_written(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    # A number is checked as a float but kept as YAML wrote it: points 5 stays the int 5, not 5.0, so
    # the values bound in SQL (exact decimals, hotline/marts.py) and the report's wording do not change.
    handler(value)
    return value


AsWritten = WrapValidator(_as_written)
Points = Annotated[float, Field(ge=0, description="a number of points, 0 or more"), AsWritten]
Credit = Annotated[float, Field(ge=0, le=1, description="a credit between 0 and 1"), AsWritten]
Count = Annotated[int, Field(ge=1, description="a whole number, 1 or more")]
Label = Annotated[str, Field(min_length=1, description="a non-empty text")]


class Window(BaseModel):
    model_config = STRICT
    default_start_day: Annotated[
        int,
        Field(
            ge=1,
            le=28,
            description=("a day of the month from 1 to 28 (every month has it), the day after default_end_day"),
        ),
    ]
    default_end_day: Annotated[int, Field(ge=1, le=28, description="a day of the month from 1 to 28")]

    @model_validator(mode="after")
    def windows_follow_each_other(self) -> Window:
        # The default window runs from the start day of the previous month to the end day of the
        # month: unless it starts the day after the previous month's window ends, days are lost
        # between months, or counted twice.
        if self.default_start_day != self.default_end_day + 1:
            raise ValueError(
                f"default_start_day ({self.default_start_day}) must be the day after default_end_day "
                f"({self.default_end_day}), so that every day belongs to exactly one month"
            )
        return self


class Groups(BaseModel):
    model_config = STRICT
    roster_groups: dict[Label, Literal["town", "dept"]] = Field(
        description="units.csv 分组 → town or dept", min_length=1
    )
    dept_large_threshold: Annotated[int, Field(ge=1, description="a whole number of assignments, 1 or more")]
    labels: dict[Literal["town", "dept_large", "dept_small"], Label]


class IndicatorPoints(BaseModel):
    model_config = STRICT
    response: Points
    ontime: Points
    resolution: Points
    satisfaction: Points


class RankWeights(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    handling_rank: Annotated[float, Field(ge=0, description="a weight, 0 or more"), AsWritten]
    sampling_rank: Annotated[float, Field(ge=0, description="a weight, 0 or more"), AsWritten]

    @model_validator(mode="after")
    def not_both_zero(self) -> RankWeights:
        if self.handling_rank + self.sampling_rank <= 0:
            raise ValueError("handling_rank and sampling_rank cannot both be 0")
        return self


class Scores(BaseModel):
    model_config = STRICT
    points: IndicatorPoints
    no_callback_rate: Credit
    overall_rank_weights: RankWeights


class CreditMaps(BaseModel):
    model_config = STRICT
    resolution: dict[Label, Credit] = Field(min_length=1)
    satisfaction: dict[Label, Credit] = Field(min_length=1)
    satisfaction_numeric_max: Annotated[
        float, Field(gt=0, description="a number above 0 (a score's maximum)"), AsWritten
    ]


class EnterprisePoints(BaseModel):
    model_config = STRICT
    ontime: Points
    resolution: Points
    satisfaction: Points


class Enterprise(BaseModel):
    model_config = STRICT
    points: EnterprisePoints
    tie_order: Literal["volume_desc", "roster"]


class Onsite(BaseModel):
    model_config = STRICT
    within_hours: Annotated[float, Field(gt=0, description="a number of hours above 0"), AsWritten]


class Highlights(BaseModel):
    model_config = STRICT
    top_n: Count


class Hotspots(BaseModel):
    model_config = STRICT
    report_top_n: Count
    places_per_hotspot: Annotated[int, Field(ge=0, description="a whole number, 0 or more")]
    places_per_sub_hotspot: Annotated[int, Field(ge=0, description="a whole number, 0 or more")]
    unmatched_label: Label
    unmatched_warning_share: Annotated[
        float, Field(gt=0, le=1, description="a share above 0 and at most 1"), AsWritten
    ]


class Callbacks(BaseModel):
    model_config = STRICT
    recorded: Annotated[bool, Field(description="true or false")]
    no_callback_labels: list[Label] = Field(description="a list of labels (texts) meaning no callback")


class Values(BaseModel):
    model_config = STRICT
    request_types: list[Label] = Field(min_length=1, description="a list of 诉求类型 texts")


class Flags(BaseModel):
    model_config = STRICT
    fast_close_minutes: Annotated[int, Field(ge=0, description="a whole number of minutes")]


class Anomalies(BaseModel):
    model_config = STRICT
    significance: Annotated[
        float, Field(gt=0, lt=1, description="a significance level between 0 and 1 (e.g. 0.001)"), AsWritten
    ]
    min_rise_pct: Annotated[float, Field(ge=0, description="a percentage, 0 or more"), AsWritten]
    bases: Literal["any", "all"]


class Report(BaseModel):
    model_config = STRICT
    district: Label
    title: Label
    bulletin_title: Label
    date: Annotated[str | date, Field(description="a date quoted as 'YYYY-MM-DD', or empty for the day of rendering")]
    top_channels: Count
    channel_labels: dict[Label, Label]
    request_types_with_share: Annotated[int, Field(ge=0, description="a whole number, 0 or more")]
    centre: Label
    hotline_name: Label
    recipients: str
    copies: str

    @model_validator(mode="after")
    def date_is_a_date(self) -> Report:
        if isinstance(self.date, str) and self.date:
            try:
                date.fromisoformat(self.date)
            except ValueError:
                raise ValueError(f"date {self.date!r} is not a date like '2024-02-26'") from None
        return self


class Text(BaseModel):
    """The hotspot analysis of 诉求内容 (hotline/text). The thresholds count orders and callers:
    below 1, a term of one order or one caller (a name the masking missed) could be stored."""

    model_config = STRICT
    min_orders: Count
    min_callers: Count
    prior_weight: Annotated[float, Field(gt=0, description="a weight above 0"), AsWritten]
    terms_per_aspect: Count
    terms_in_report: Count
    places_per_aspect: Count
    places_in_report: Count
    max_aspects: Count
    aspects_cover_pct: Annotated[
        float, Field(gt=0, le=100, description="a percentage above 0 and at most 100"), AsWritten
    ]
    cluster_min_orders: Count
    cluster_days: Count
    clusters_in_report: Count
    other_aspect: Label
    enterprise_label: Label


class Rules(BaseModel):
    """Every rule setting of domain.md, with its type and range."""

    model_config = STRICT
    window: Window
    groups: Groups
    scores: Scores
    credit: CreditMaps
    enterprise: Enterprise
    onsite: Onsite
    highlights: Highlights
    hotspots: Hotspots
    flags: Flags
    anomalies: Anomalies
    report: Report
    callbacks: Callbacks
    values: Values
    text: Text


# What a value of each kind must be, as the messages say it (pydantic's own words are for programmers).
_EXPECTED = {
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "string_type": "a text",
    "dict_type": "a mapping of keys to values",
    "bool_type": "true or false",
    "missing": "a value (the key is missing)",
    "extra_forbidden": "no such key here",
}


def _field_description(model: type[BaseModel], loc: tuple) -> str | None:
    """The description of the field at ``loc`` (its Annotated Field), if the path leads to one."""
    import typing

    current: Any = model
    description = None
    for part in loc:
        if typing.get_origin(current) is dict:  # a map's value: its Annotated Field says what it is
            value_type = typing.get_args(current)[1]
            described = [
                m.description for m in getattr(value_type, "__metadata__", ()) if getattr(m, "description", None)
            ]
            description, current = (described[0] if described else None), value_type
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)) or part not in current.model_fields:
            return description
        field = current.model_fields[part]
        description = field.description
        current = field.annotation
        if typing.get_origin(current) is typing.Annotated:
            current = typing.get_args(current)[0]
    return description


def typed_rules(rules: dict[str, Any]) -> Rules:
    """The merged rules (``load_rules``, or ref.rules' JSON) as the typed model the code reads; every
    value is the one the dict holds (numbers as written). Raises ValidationError on rules that
    ``rule_problems`` would report: ``load_rules`` has refused those already."""
    return Rules.model_validate(rules)


def rule_problems(rules: dict[str, Any]) -> list[str]:
    """Every problem of the merged rules, as 'key.path = value: expected …' (empty when valid)."""
    try:
        Rules.model_validate(rules)
    except ValidationError as errors:
        problems = []
        for error in errors.errors():
            loc = tuple(
                p for p in error["loc"] if not (isinstance(p, str) and p.startswith(("function-", "literal[")))
            )
            path = ".".join(str(p) for p in loc)
            value = error.get("input")
            if loc and loc[-1] == "[key]":  # a key of a map (a label), not its value
                problems.append(f"{'.'.join(str(p) for p in loc[:-2])}: the key {value!r} must be a label (a text)")
                continue
            if error["type"] == "value_error":
                problems.append(f"{path}: {str(error['msg']).removeprefix('Value error, ')}")
                continue
            if error["type"] == "literal_error":
                expected = "one of " + error["ctx"]["expected"]
            else:
                described = _field_description(Rules, loc)
                kind = _EXPECTED.get(error["type"])
                expected = described or kind or error["msg"]
                if described and error["type"] in ("int_type", "int_from_float") and "whole" not in described:
                    expected = f"{kind} ({described})"
            problems.append(f"{path} = {value!r}: expected {expected}")
        return problems
    return []
