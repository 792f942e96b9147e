"""``costcalc check`` beyond the article: a claims file, one-line ``--claim`` claims, and the template.

Errors name what the user typed: a claims file's problems name the file and the table's field
(``claim[0] (C1).check.subject.gpu``); one-line claims' name ``--claim`` or the subject's option.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from costcalc.base.errors import InputError
from costcalc.commands.article import ARTICLE, check_article
from costcalc.commands.checks import ClaimCheck, ClaimChecks, check_claim, check_entries
from costcalc.commands.claims.oneline import parse_claim
from costcalc.data.catalog import default_catalog
from costcalc.data.claims import read_claims_file
from costcalc.estimator.inputs import SHAPE_FIELDS, validate_inputs

__all__ = ["TEMPLATE", "check_claims", "check_request", "claims_template"]


def _subject_text(subject: dict[str, Any]) -> str:
    """The subject's inputs, each field named in backquotes (the CLI prints its option)."""
    return " ".join(f"`{name}` {value}" for name, value in subject.items())


def check_request(
    file: str | Path | None = None,
    claims: Sequence[str] = (),
    subject: dict[str, Any] | None = None,
    presets: Iterable[Path | str] = (),
) -> tuple[str, list[ClaimCheck]]:
    """Check a claims file and/or one-line claims about ``subject``; returns a title and the results.

    ``subject`` holds estimate inputs (``model``, ``params``, ``tokens``, ``gpu``, ``gpus``, ...).
    With neither a file nor claims nor a subject: the 2023 article's claims, the default of
    ``costcalc check`` (``costcalc.commands.article``).
    """
    subject = dict(subject or {})
    if isinstance(claims, str):  # one claim, not its letters
        claims = [claims]
    elif not isinstance(claims, Sequence):
        raise InputError("claim", f"expected a claim or a list of claims (text), got {type(claims).__name__}")
    if file is None and not claims and not subject:
        return f"Claims of the article {ARTICLE}", check_article(presets)
    if subject and not claims:
        first = next(iter(subject))
        raise InputError(first, "describes the subject of a one-line claim: add `claim`, e.g. 'cost > 80M USD'")
    catalog = default_catalog(presets)
    titles: list[str] = []
    results: list[ClaimCheck] = []
    if file is not None:
        results += check_entries(read_claims_file(file), catalog)
        titles.append(f"Claims of {file}")
    if claims:
        if not {"model", "params", "config_file", *SHAPE_FIELDS} & subject.keys():
            raise InputError(
                "claim",
                "needs a subject: `model` (a preset), `config_file` (a config.json) or a shape (`layers`, ...), "
                "or `params` with `tokens`, `gpu`, `gpus`",
            )
        validate_inputs(subject)
        parsed = [parse_claim(line, subject, i) for i, line in enumerate(claims, 1)]
        results += [check_claim(claim, catalog) for claim in parsed]
        titles.append(f"Claims about {_subject_text(subject)}")
    return "; ".join(titles), results


def check_claims(
    claims: Sequence[str] = (),
    *,
    file: str | Path | None = None,
    presets: Iterable[Path | str] = (),
    **subject: Any,
) -> ClaimChecks:
    """Check one-line claims about a subject, and/or a claims file; the library face of ``costcalc check``.

    ``costcalc.check_claims(["cost > 80M USD"], model="falcon-180b")``: each result carries its
    verdict, reason, deciding number, tolerance and source. Bad input raises ``InputError`` naming
    the input (``claim``, ``model``, ...); a bad file raises ``PresetError`` naming file and field.
    """
    return ClaimChecks(check_request(file, claims, subject, presets)[1])


TEMPLATE = """\
# A costcalc claims file: check it with `costcalc check FILE.toml` (add --format markdown for a
# review, --format json for scripts). One [[claim]] table per claim; the article's claims in
# presets/claims.toml are written the same way.
#
# Fields of a claim:
#   id        unique in the file (shown in the table)
#   model     what the claim is about, as shown
#   claim     the claim in its own words (quote the press release, tweet or article)
#   source    optional: where the figures you check against come from; a quantity check fills it in
#   topic, claim_en, article_value, source_value, in_estimator: optional, as in presets/claims.toml
#
# [claim.check] says how to check it. kind = "quantity" takes '<quantity> <relation> <value>':
#   quantity  cost, gpu-hours, days, gpus, flops, tokens, params, energy, co2
#   relation  "=" (about: the article check's tolerance), "~" (roughly: twice that, at least 25%),
#             ">", ">=", "<", "<="
#   value     a number in the quantity's unit (USD, GPU-hours, days, GPUs, FLOP, tokens, parameters,
#             MWh, tCO2e) or text with units: "80M USD", "$80M", "3.5 months", "2000 GPUs"
#   tolerance optional: a relative tolerance of your own (0.1 = 10%)
#   judge_by  optional: "published" (the default: the model's published run, else costcalc's range),
#             "gpu-hours" (what the run's published GPU-hours imply), "estimate" (costcalc's range,
#             for a claim that is itself a published figure)
# [claim.check.subject] holds the inputs of `costcalc estimate`: a model preset (model = "bloom"),
# or params and tokens, with gpu, gpus, price, ... as you know them. A published run of the model
# decides where costcalc ships one; otherwise costcalc's own range does.
# Other kinds (match, capacity, ratio, benchmark, ...) are described in the README and used in
# presets/claims.toml.

[[claim]]
id = "C1"
model = "Falcon-180B"
claim = "Falcon-180B cost an estimated $80M or more to train"
[claim.check]
kind = "quantity"
quantity = "cost"
relation = ">"
value = "80M USD"
[claim.check.subject]
model = "falcon-180b"

[[claim]]
id = "C2"
model = "BLOOM"
claim = "Training took 3.5 months"
[claim.check]
kind = "quantity"
quantity = "days"
relation = "~"
value = "3.5 months"
[claim.check.subject]
model = "bloom"

[[claim]]
id = "C3"
model = "a 70B model on 2T tokens"
claim = "A 70B model trained on 2T tokens in three weeks on 2,000 A100s"
[claim.check]
kind = "quantity"
quantity = "days"
relation = "<="
value = "3 weeks"
[claim.check.subject]
params = "70B"
tokens = "2T"
gpu = "a100"
gpus = 2000

[[claim]]
id = "C4"
model = "BLOOM"
claim = "BLOOM was trained on 384 GPUs"
source = "BLOOM paper arXiv:2211.05100, section 3.4.1"
source_value = "384 A100 80GB GPUs (48 nodes)"
[claim.check]
kind = "match"         # the claim's value against the source's (numbers within 0.5%, text exact)
article = 384
source = 384
"""


def claims_template() -> str:
    """A commented claims file that ``costcalc check`` reads as it is."""
    return TEMPLATE
