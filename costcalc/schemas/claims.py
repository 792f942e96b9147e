"""Claims as data: wording, values, sources and the numbers each check needs.

The article's claims (presets/claims.toml), a user's claims file and one-line ``--claim`` claims
all become ``Claim`` objects. The verdict is not data: ``costcalc.commands.checks`` computes it
from these numbers, the published runs and costcalc's own estimates.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from costcalc.base.errors import InputError
from costcalc.base.fields import Count, QuantityOf
from costcalc.base.parse import parse_quantity
from costcalc.base.units import Q_, Quantity

Value = float | str | list[float | str]

#: What a one-line claim may be about, and the unit its value is read in (a bare number is taken in it).
QUANTITY_UNITS: dict[str, str] = {
    "cost": "USD",
    "gpu-hours": "GPU_hour",
    "days": "day",
    "gpus": "GPU",
    "flops": "FLOP",
    "tokens": "token",
    "params": "parameter",
    "energy": "MWh",
    "co2": "tCO2e",
}
ClaimQuantity = Literal["cost", "gpu-hours", "days", "gpus", "flops", "tokens", "params", "energy", "co2"]
#: ``=`` about (the article check's tolerance), ``~`` roughly (a wider one), and the four inequalities.
Relation = Literal["=", "~", ">", ">=", "<", "<="]
#: What a quantity claim is judged against (see ``QuantityCheck.judge_by``).
JudgeBy = Literal["published", "gpu-hours", "estimate"]
RELATIONS: tuple[str, ...] = get_args(Relation)
Architecture = Literal["decoder-only", "encoder-only", "encoder-decoder"]
#: How strongly a comparison is worded, weakest first ("nears" < "on par" < ... < "best").
Strength = Literal["behind", "nears", "on par", "matches or outperforms", "outperforms", "best"]
STRENGTHS: tuple[str, ...] = get_args(Strength)


#: Claims are read from TOML, which has ``nan`` and ``inf``: no claim's number may be either.
_FINITE = ConfigDict(extra="forbid", frozen=True, defer_build=True, allow_inf_nan=False)


class _Check(BaseModel):
    model_config = _FINITE

    tolerance: float | None = Field(default=None, ge=0, le=10, description="overrides the kind's default")


def _finite_value(value: Any) -> Any:
    """A number, a text or a list of them, with every number finite (TOML reads ``nan`` and ``inf``)."""
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, float) and not math.isfinite(item):
            raise ValueError(f"expected a finite number, text or a list of them, got {item}")
    return value


class MatchCheck(_Check):
    """The article's value against the primary source's (None: no source gives it)."""

    kind: Literal["match"]
    article: Value
    source: Value | None = None
    products: list[tuple[float, float, float]] = Field(
        default_factory=list, description="[a, b, a*b] triples to verify"
    )

    _finite = field_validator("article", "source", mode="before")(_finite_value)

    @field_validator("products", mode="before")
    @classmethod
    def _triples(cls, value: Any) -> Any:
        if isinstance(value, list):
            for i, item in enumerate(value):
                if not isinstance(item, list) or len(item) != 3:
                    raise ValueError(f"item {i}: expected [a, b, a x b], three numbers, got {item!r}"[:120])
        return value


class CapacityCheck(_Check):
    """N GPUs over a calendar window against the GPU-hours actually used."""

    kind: Literal["capacity"]
    gpus: Count
    start: dt.date
    end_earliest: dt.date
    end_latest: dt.date
    used_gpu_hours: Annotated[Quantity, QuantityOf("GPU_hour", scalar=True)]

    @model_validator(mode="after")
    def _ordered(self) -> CapacityCheck:
        if not self.start < self.end_earliest <= self.end_latest:
            raise ValueError("need start < end_earliest <= end_latest")
        return self


class RatioCheck(_Check):
    """A claimed ratio of two runs' compute, against published GPU-hours and costcalc's FLOPs."""

    kind: Literal["ratio"]
    claimed: float = Field(gt=0)
    numerator: str
    denominator: str
    numerator_gpu_hours: Annotated[Quantity, QuantityOf("GPU_hour", scalar=True)]
    denominator_gpu_hours: Annotated[Quantity, QuantityOf("GPU_hour", scalar=True)]


class FeasibilityCheck(_Check):
    """Whether a cluster could train the models in a plausible time (nothing published to compare)."""

    kind: Literal["feasibility"]
    models: list[str] = Field(min_length=1)
    gpu: str
    gpus: Count
    max_days: float = Field(gt=0)


class Score(BaseModel):
    model_config = _FINITE

    benchmark: str
    subject: float
    others: dict[str, float] = Field(min_length=1)


class BenchmarkCheck(_Check):
    """'X beats Y': on all listed benchmarks (``all``) or on most of them (``majority``)."""

    kind: Literal["benchmark"]
    subject: str
    require: Literal["all", "majority"]
    scores: list[Score] = Field(min_length=1)


class Candidate(BaseModel):
    model_config = _FINITE

    name: str
    released: dt.date
    params: float = Field(gt=0)
    access: Literal["open", "on request"] = Field(
        default="open", description="open: anyone may download the weights; on request: gated, by application"
    )


class FirstCheck(_Check):
    """'X was the first [open] model over N parameters': release dates of the candidates that qualify.

    ``over_params`` (strictly more) and ``open_only`` are the claim's own conditions; a candidate
    that does not meet them does not count against the subject, and the verdict says why.
    """

    kind: Literal["first"]
    subject: str
    candidates: list[Candidate] = Field(min_length=2)
    over_params: float | None = Field(default=None, gt=0, description="the claim's size condition: more than this")
    open_only: bool = Field(default=False, description="the claim's access condition: open weights only")


class NodeTypeCheck(_Check):
    """A guessed node type: the preset's CPUs against the source's; with ``or_similar``, its GPUs too.

    The same node has the preset's CPUs; a similar one (``or_similar``: "a DGX A100 or similar")
    carries the preset's accelerator, as many per node.
    """

    kind: Literal["node_type"]
    claimed_node: str
    actual_system: str
    actual_cpus: str
    actual_accelerator: str | None = Field(default=None, description="the accelerator the source reports")
    actual_count: Count | None = Field(default=None, description="accelerators per node, as reported")
    or_similar: bool = Field(default=False, description="the claim allows a similar node")


class QuantityCheck(_Check):
    """'<quantity> <relation> <value>' about a subject: a model preset or the inputs of an estimate.

    ``subject`` holds estimate inputs (``model``, ``params``, ``tokens``, ``gpu``, ``gpus``...);
    they are validated by the estimator's input model when the claim is checked.
    """

    kind: Literal["quantity"]
    quantity: ClaimQuantity
    relation: Relation
    value: float = Field(ge=0, allow_inf_nan=False, description="in QUANTITY_UNITS[quantity]; text with units")
    stated: str = Field(default="", description="the value as written (kept for display)")
    subject: dict[str, str | float | int | bool] = Field(min_length=1)
    judge_by: JudgeBy = Field(
        default="published",
        description="published: the subject's shipped run, else costcalc's range; gpu-hours: what the run's "
        "published GPU-hours imply, even where it publishes the figure; estimate: costcalc's range, the "
        "claim's value being itself a published figure",
    )

    @model_validator(mode="before")
    @classmethod
    def _keep_wording(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("stated") and "value" in data:
            data = {**data, "stated": str(data["value"])}
        return data

    @field_validator("subject", mode="before")
    @classmethod
    def _finite_inputs(cls, subject: Any) -> Any:
        if isinstance(subject, dict):
            for name, value in subject.items():
                if isinstance(value, float) and not math.isfinite(value):
                    raise ValueError(f"{name}: expected a finite number, got {value}")
        return subject

    @field_validator("value", mode="before")
    @classmethod
    def _read_value(cls, value: Any, info: ValidationInfo) -> Any:
        unit = QUANTITY_UNITS.get(str(info.data.get("quantity")))
        if unit is None or not isinstance(value, str):
            return value
        try:
            return float(parse_quantity(value, "value", unit).m_as(unit))
        except InputError as err:
            raise ValueError(err.message) from None

    @property
    def amount(self) -> Quantity:
        """The claimed value with its unit."""
        return Q_(self.value, QUANTITY_UNITS[self.quantity])


class ShareCheck(_Check):
    """'Most X are Y': the share of the shipped published runs whose ``field`` is one of ``values``."""

    kind: Literal["share"]
    field: Literal["architecture"]
    values: list[str] = Field(min_length=1)
    min_share: float = Field(gt=0, le=1, description="the share the claim's wording needs, e.g. 0.5 for 'most'")


class ReportedArchitecture(BaseModel):
    model_config = _FINITE

    name: str
    reported: list[Architecture] | None = Field(
        default=None, description="what the model's own paper reports; None: no source"
    )
    source: str


class ArchitectureCheck(_Check):
    """'X and Y are <architecture> models': each named model against the architectures its paper reports."""

    kind: Literal["architecture"]
    claimed: Architecture
    models: list[ReportedArchitecture] = Field(min_length=1)


class Release(BaseModel):
    model_config = _FINITE

    model: str = Field(description="a model preset (its parameter count is the preset's), or a name with params")
    released: dt.date
    params: float | None = Field(default=None, gt=0, description="for a model that is not a preset: its count")
    source: str = Field(default="", description="where the parameter count comes from, when given here")


class LargestCheck(_Check):
    """'X is the largest open model': parameter counts of the presets released by ``as_of``."""

    kind: Literal["largest"]
    subject: str
    as_of: dt.date
    scope: str = Field(description="what was compared, e.g. 'open-weight dense models'")
    candidates: list[Release] = Field(min_length=2)


class OrdinalCheck(_Check):
    """'X is the developer's Nth model, after Y': counted from the developer's earlier releases."""

    kind: Literal["ordinal"]
    subject: str
    claimed_position: Count
    claimed_after: str | None = None
    earlier: list[str] = Field(description="the developer's models released before the subject, per the source")


class Wording(BaseModel):
    model_config = _FINITE

    source: str
    says: Strength


class WordingCheck(_Check):
    """A comparison's strength ('on par', 'best') against each primary source's, on one ordered scale."""

    kind: Literal["wording"]
    claimed: Strength
    statements: list[Wording] = Field(min_length=1)


class AcronymCheck(_Check):
    """'A stands for W1 W2 ...': the initials of the expansion, and the expansion against the source's."""

    kind: Literal["acronym"]
    acronym: str = Field(min_length=1)
    expansion: str = Field(min_length=1)
    source_expansion: str | None = None


Check = Annotated[
    MatchCheck
    | CapacityCheck
    | RatioCheck
    | FeasibilityCheck
    | BenchmarkCheck
    | FirstCheck
    | NodeTypeCheck
    | QuantityCheck
    | ShareCheck
    | ArchitectureCheck
    | LargestCheck
    | OrdinalCheck
    | WordingCheck
    | AcronymCheck,
    Field(discriminator="kind"),
]


class Claim(BaseModel):
    """One claim, with what the sources say and the data to check it.

    The article's claims give every field; in a user's file ``topic``, ``claim_en``,
    ``article_value``, ``source_value`` and ``source`` may be left out (a quantity check fills the
    source from the published run or estimate it is judged against).
    """

    model_config = _FINITE

    id: str = Field(min_length=1, max_length=64)
    model: str = Field(min_length=1, description="what the claim is about, as shown")
    topic: str = ""
    claim: str = Field(min_length=1, description="the claim's own wording (the article's, in Chinese)")
    claim_en: str = ""
    article_value: str = ""
    source_value: str = ""
    source: str = ""
    in_estimator: bool = Field(
        default=True, description="False for facts outside the cost estimator (benchmarks, dates)"
    )
    check: Check
