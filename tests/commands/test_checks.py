"""The article check: every verdict pinned, and each check shown to turn on its arithmetic."""

from __future__ import annotations

import json
from pathlib import Path
from typing import get_args

import pytest

import costcalc
from costcalc.base.errors import PresetError
from costcalc.commands.checks import DEFAULT_TOLERANCE, check_claim
from costcalc.data.catalog import Catalog
from costcalc.schemas.claims import Check, Claim

# The claims ledger's verdicts (reference article-claims.md, summary table rows L1 to BL4), split
# where the ledger gives a claim more than one verdict (L2, B2, F1, F3, BL2). BL1 and BL4 differ
# from the ledger on purpose: its verdicts never tested the claims' own conditions ("open", "over
# 100B"; "or similar"), and tested, they hold.
LEDGER = {
    "L1": "consistent",  # sizes 7B/13B/70B, model card
    "L2a": "consistent",  # GPU type A100-80GB
    "L2b": "unverifiable",  # GPU count: no primary source
    "L2c": "inconsistent",  # 2000 GPUs x Jan-Jul is 33-38% used: not the compute used
    "L3": "consistent",  # "trained between January 2023 and July 2023"
    "L4": "inconsistent",  # 'surpasses': Meta says 'close to' (Table 4) and 'on par' (human evaluation, card)
    "B1": "consistent",  # 2.6T tokens
    "B2a": "consistent",  # 1,024 A800
    "B2b": "unverifiable",  # duration/GPU-hours not published
    "B3": "consistent",  # 11 checkpoints (outside the estimator)
    "F1a": "consistent",  # TII, Sept 2023, 180B, causal decoder
    "F1b": "consistent",  # 6ND matches 43,500 PF-days within 0.2%
    "F2": "consistent",  # "4x more compute": 4.07x GPU-hours
    "F3a": "unverifiable",  # no primary cost figure
    "F3b": "implausible",  # $80M needs $11.43 per A100-40GB hour
    "F4": "consistent",  # MMLU 70.6 > 68.9, 70.0 (outside the estimator)
    "BL1": "consistent",  # OPT-175B (May 2022) was on request, YaLM-100B is not over 100B: BLOOM (July) first
    "BL2a": "consistent",  # 1,082,990 compute hours
    "BL2b": "consistent",  # 3.5 months ~ 117.5 days
    "BL2c": "consistent",  # inside costcalc's range
    "BL3": "consistent",  # 48 x 8 = 384, 4 spare nodes
    "BL4": "consistent",  # not a DGX A100 (EPYC 7543, not 7742) but similar: 8x A100-80GB per node
}
# The article's other checkable sentences (tests/commands/test_article.py lists them), with the verdict each
# check's rule gives; the facts are from the reference 'article-claims-more.md' and the papers cited.
MORE = {
    "A1": "consistent",  # most shipped runs are Transformers (share >= 50%)
    "A2": "consistent",  # encoder and decoder (Vaswani et al. 2017)
    "A3": "consistent",  # embeddings, encoder, decoder, softmax
    "A4": "consistent",  # GPT, LLaMA decoder-only
    "A5": "consistent",  # BERT, ALBERT, DeBERTa encoder-only
    "A6": "consistent",  # masked LM, bidirectional, sentiment and extractive QA
    "A7": "consistent",  # T5, BART encoder-decoder; BigBird has an encoder-decoder form
    "A8": "consistent",  # most LLMs are causal decoders (survey)
    "A9": "unverifiable",  # no source describes a model called MAAL
    "L0a": "consistent",  # GenAI, Meta
    "L0b": "consistent",  # base and chat (SFT + RLHF)
    "B0": "consistent",  # Baichuan Inc.'s new open-source generation
    "B4": "inconsistent",  # 'best' is stronger than the report's 'matches or outperforms'
    "B5": "consistent",  # six evaluation domains
    "F5": "inconsistent",  # Falcon-7B and -40B came before: the third model, not the second
    "F6": "inconsistent",  # open-weight Switch-C-2048 (MoE, 1571B) > 178.56B; among dense models it is the largest
    "F7": "consistent",  # base and a chat model fine-tuned on the base (SFT)
    "F7b": "unverifiable",  # RLHF: no source says either way
    "F8": "inconsistent",  # the paper says only that it 'nears' PaLM-2-Large
    "BL0a": "consistent",  # the initials of the expansion
    "BL0b": "consistent",  # decoder-only Transformer
    "BL5": "consistent",  # 13 programming languages
}


@pytest.fixture(scope="module")
def results() -> dict[str, costcalc.ClaimCheck]:
    return {r.id: r for r in costcalc.check_article()}


def test_every_claim_has_the_ledgers_verdict(results: dict[str, costcalc.ClaimCheck]) -> None:
    assert {i: r.verdict for i, r in results.items()} == LEDGER | MORE


def test_every_result_has_a_reason_and_the_articles_wording(results: dict[str, costcalc.ClaimCheck]) -> None:
    for r in results.values():
        assert r.reason.endswith(".") and r.tolerance and r.claim and r.source
        assert any("\u4e00" <= ch <= "\u9fff" for ch in r.claim), r.id  # the article's Chinese text


def test_key_figures_in_the_estimates(results: dict[str, costcalc.ClaimCheck]) -> None:
    assert "8.69M-10.18M GPU-h" in results["L2c"].estimate and "69 days" in results["L2c"].estimate
    # F3b prints the price span it decides with (the cheapest to the dearest observed), not another one
    assert "published 7,000,000 GPU-h x 1.29-4.10 USD/GPU-h" in results["F3b"].estimate
    assert "GPU-hour ratio 4.07x" in results["F2"].estimate
    assert "1,082,990 GPU-h / 384 GPUs = 117.5 days" in results["BL2b"].estimate
    assert "MFU 32.2%" in results["BL2c"].deciding


def _claim(check: dict[str, object], **fields: object) -> Claim:
    base: dict[str, object] = {
        "id": "X", "model": "m", "topic": "t", "claim": "c", "claim_en": "c", "article_value": "a",
        "source_value": "s", "source": "src", "in_estimator": True, "check": check,
    }  # fmt: skip
    base.update(fields)
    return Claim.model_validate(base)


def verdict(check: dict[str, object]) -> str:
    return check_claim(_claim(check), Catalog.load()).verdict


def test_capacity_turns_on_the_used_share() -> None:
    window = {"kind": "capacity", "start": "2023-01-01", "end_earliest": "2023-07-01", "end_latest": "2023-08-01"}
    assert verdict({**window, "gpus": 2000, "used_gpu_hours": 3_311_616}) == "inconsistent"
    # 800 GPUs over 181 days are 3.48M GPU-h: the same hours now fill 95% of them.
    assert verdict({**window, "gpus": 800, "used_gpu_hours": 3_311_616}) == "consistent"


def _quantity(quantity: str, relation: str, value: object, subject: dict[str, object], **extra: object) -> str:
    return verdict({"kind": "quantity", "quantity": quantity, "relation": relation, "value": value,
                    "subject": subject, **extra})  # fmt: skip


def test_the_articles_cost_row_turns_on_the_implied_price() -> None:
    falcon = {"model": "falcon-180b", "gpu": "A100-40GB"}  # published 7,000,000 GPU-h
    assert _quantity("cost", ">", "80M USD", falcon) == "implausible"  # 11.43 USD/GPU-h
    assert _quantity("cost", "=", "20M USD", falcon) == "consistent"  # 2.86 USD/GPU-h
    assert _quantity("cost", "=", "1M USD", falcon) == "implausible"  # 0.14 USD/GPU-h: too cheap


def test_ratio_turns_on_the_tolerance() -> None:
    base = {"kind": "ratio", "numerator": "Falcon-180B", "denominator": "LLaMA-2-70B",
            "numerator_gpu_hours": 7e6, "denominator_gpu_hours": 1_720_320}  # fmt: skip
    assert verdict({**base, "claimed": 4}) == "consistent"
    assert verdict({**base, "claimed": 8}) == "inconsistent"
    assert verdict({**base, "claimed": 4, "tolerance": 0.05}) == "inconsistent"  # FLOP ratio 4.44x is +11%


def test_the_articles_compute_duration_and_gpu_hours_rows_and_feasibility() -> None:
    falcon = {"model": "falcon-180b", "tokens": "3.5T"}  # 6·N·D 3.750e24, architecture-aware 3.801e24
    assert _quantity("flops", "=", "43500 PFLOP/s*day", falcon) == "consistent"  # 3.758e24
    assert _quantity("flops", "=", "60000 PFLOP/s*day", falcon) == "inconsistent"  # 5.18e24
    bloom = {"model": "bloom", "gpus": 384}  # 1,082,990 GPU-h / 384 GPUs = 117.5 days (published: 118.2)
    assert _quantity("days", "=", "3.5 months", bloom, judge_by="gpu-hours") == "consistent"  # 106.5 days, +10%
    assert _quantity("days", "=", "2 months", bloom, judge_by="gpu-hours") == "inconsistent"
    run = {"model": "bloom-176b", "tokens": "366B", "gpu": "A100-80GB", "gpus": 384}
    assert _quantity("gpu-hours", "=", 1_082_990, run, judge_by="estimate") == "consistent"
    assert _quantity("gpu-hours", "=", 3_000_000, run, judge_by="estimate") == "inconsistent"
    assert _quantity("gpu-hours", "=", 3_000_000, run) == "inconsistent"  # by the published figure
    feasible = {"kind": "feasibility", "models": ["Baichuan-2-7B", "Baichuan-2-13B"], "gpu": "A800-80GB"}
    assert verdict({**feasible, "gpus": 1024, "max_days": 365}) == "unverifiable"
    assert verdict({**feasible, "gpus": 8, "max_days": 365}) == "implausible"  # years on one node


def test_at_most_fourteen_check_kinds() -> None:
    assert len(get_args(get_args(Check)[0])) <= 14
    assert not {"cost", "compute", "duration", "gpu_hours"} & set(DEFAULT_TOLERANCE)


def test_match_benchmark_first_node_type() -> None:
    assert verdict({"kind": "match", "article": 1024, "source": 1024}) == "consistent"
    assert verdict({"kind": "match", "article": 1024, "source": 2048}) == "inconsistent"
    assert verdict({"kind": "match", "article": 2000}) == "unverifiable"
    assert verdict({"kind": "match", "article": "A100-80GB", "source": " a100-80gb "}) == "consistent"
    assert verdict({"kind": "match", "article": [48], "source": [48], "products": [[48, 8, 385]]}) == "inconsistent"
    scores = [{"benchmark": "MMLU", "subject": 70.6, "others": {"A": 68.9, "B": 70.0}}]
    assert verdict({"kind": "benchmark", "subject": "F", "require": "all", "scores": scores}) == "consistent"
    scores[0]["subject"] = 69.5
    assert verdict({"kind": "benchmark", "subject": "F", "require": "all", "scores": scores}) == "inconsistent"
    assert verdict({"kind": "benchmark", "subject": "F", "require": "majority", "scores": scores}) == "inconsistent"
    dates = [
        {"name": "A", "released": "2022-05-03", "params": 1e11},
        {"name": "B", "released": "2022-07-11", "params": 1e11},
    ]
    assert verdict({"kind": "first", "subject": "B", "candidates": dates}) == "inconsistent"
    assert verdict({"kind": "first", "subject": "A", "candidates": dates}) == "consistent"
    gated = [{**dates[0], "access": "on request"}, dates[1]]
    assert verdict({"kind": "first", "subject": "B", "candidates": gated}) == "inconsistent"  # no condition
    assert verdict({"kind": "first", "subject": "B", "candidates": gated, "open_only": True}) == "consistent"
    assert verdict({"kind": "first", "subject": "B", "candidates": dates, "over_params": 1e11}) == "inconsistent"
    bigger = [dates[0], {**dates[1], "params": 1.01e11}]
    assert verdict({"kind": "first", "subject": "B", "candidates": bigger, "over_params": 1e11}) == "consistent"
    assert verdict({"kind": "first", "subject": "A", "candidates": bigger, "over_params": 1e11}) == "inconsistent"
    node = {"kind": "node_type", "claimed_node": "DGX-A100", "actual_system": "x"}
    assert verdict({**node, "actual_cpus": "2x AMD EPYC 7543"}) == "inconsistent"
    assert verdict({**node, "actual_cpus": "2x AMD EPYC 7742 (64 cores)"}) == "consistent"
    similar = {**node, "actual_cpus": "2x AMD EPYC 7543", "actual_accelerator": "a100-80gb", "actual_count": 8}
    assert verdict(similar) == "inconsistent"  # the claim does not allow a similar node
    assert verdict({**similar, "or_similar": True}) == "consistent"
    assert verdict({**similar, "or_similar": True, "actual_count": 4}) == "inconsistent"
    assert verdict({**similar, "or_similar": True, "actual_accelerator": "A100-40GB"}) == "inconsistent"


def test_hgx_servers_are_not_dgx_presets(capsys: pytest.CaptureFixture[str]) -> None:
    from costcalc.cli import main

    for name in ("hgx-a100", "hgx-h100"):  # an HGX server's CPUs, memory and power are not a DGX's
        assert main(["estimate", "--params", "7B", "--tokens", "1T", "--gpu", name]) == 2
        assert "unknown accelerator or node preset" in capsys.readouterr().err


def test_json_output_keys(capsys: pytest.CaptureFixture[str]) -> None:
    from costcalc.cli import main

    assert main(["check", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data) == len(LEDGER) + len(MORE)
    for item in data:
        assert {"id", "model", "claim", "article_value", "source_value", "estimate", "verdict", "reason"} <= set(item)
        assert item["verdict"] in {"consistent", "inconsistent", "unverifiable", "implausible"}


@pytest.mark.parametrize(
    ("content", "field", "message"),
    [
        ("[[claim]]\nid = 'Z'\n", "claim[0] (Z).model", "required"),
        (
            "[[claim]]\nid='Z'\nmodel='m'\ntopic='t'\nclaim='c'\nclaim_en='c'\narticle_value='a'\nsource_value='s'\n"
            "source='x'\nin_estimator=true\n[claim.check]\nkind='guess'\n",
            "claim[0] (Z).check",
            "does not match any of the expected tags",
        ),
        (
            "[[claim]]\nid='L1'\nmodel='m'\ntopic='t'\nclaim='c'\nclaim_en='c'\narticle_value='a'\nsource_value='s'\n"
            "source='x'\nin_estimator=true\n[claim.check]\nkind='match'\narticle=1\n",
            "claim[0] (L1).id",
            "used twice",
        ),
        (
            "[[claim]]\nid='Z'\nmodel='m'\ntopic='t'\nclaim='c'\nclaim_en='c'\narticle_value='a'\nsource_value='s'\n"
            "source='x'\nin_estimator=true\n[claim.check]\nkind='capacity'\ngpus=1\nstart=2023-01-01\n"
            "end_earliest=2023-02-01\nend_latest=2023-03-01\nused_gpu_hours='3 kg'\n",
            "claim[0] (Z).check.capacity.used_gpu_hours",
            "expected",
        ),
    ],
)
def test_malformed_claims_name_file_and_field(user_presets: Path, content: str, field: str, message: str) -> None:
    path = user_presets / "claims.toml"
    path.write_text(content)
    with pytest.raises(PresetError) as err:
        costcalc.check_article([user_presets])
    assert err.value.path == str(path) and err.value.field == field and message in err.value.message


def test_malformed_run_names_file_and_field(user_presets: Path) -> None:
    path = user_presets / "runs.toml"
    path.write_text("[[run]]\nid = 'r'\nname = 'r'\n")
    with pytest.raises(PresetError) as err:
        costcalc.backtest([user_presets])
    assert err.value.path == str(path) and err.value.field == "run[0] (r).developer"


def test_share_architecture_largest_ordinal_wording_acronym() -> None:
    share = {"kind": "share", "field": "architecture", "values": ["dense", "moe"]}
    assert verdict({**share, "min_share": 0.5}) == "consistent"
    assert verdict({**share, "values": ["ssm"], "min_share": 0.5}) == "inconsistent"
    arch = {"kind": "architecture", "claimed": "encoder-decoder"}
    t5 = {"name": "T5", "reported": ["encoder-decoder"], "source": "s"}
    assert verdict({**arch, "models": [t5]}) == "consistent"
    assert verdict({**arch, "models": [t5, {"name": "BERT", "reported": ["encoder-only"], "source": "s"}]}) == (
        "inconsistent"
    )
    assert verdict({**arch, "models": [t5, {"name": "MAAL", "source": "none"}]}) == "unverifiable"
    candidates = [
        {"model": "Falcon-180B", "released": "2023-09-06"},
        {"model": "BLOOM-176B", "released": "2022-07-11"},
        {"model": "OPT-175B", "released": "2022-05-03"},
    ]
    largest = {"kind": "largest", "scope": "open dense", "candidates": candidates}
    assert verdict({**largest, "subject": "Falcon-180B", "as_of": "2023-09-06"}) == "consistent"
    assert verdict({**largest, "subject": "OPT-175B", "as_of": "2023-09-06"}) == "inconsistent"
    assert verdict({**largest, "subject": "BLOOM-176B", "as_of": "2022-12-31"}) == "consistent"  # before Falcon
    assert verdict({**largest, "subject": "Falcon-180B", "as_of": "2022-12-31"}) == "unverifiable"
    moe = {"model": "Switch-C-2048", "released": "2022-12-31", "params": 1571e9, "source": "arXiv:2101.03961"}
    wider = {**largest, "candidates": [*candidates, moe], "subject": "Falcon-180B"}
    assert verdict({**wider, "as_of": "2023-09-06"}) == "inconsistent"  # a count given, not a preset's
    assert verdict({**wider, "as_of": "2022-12-30"}) == "unverifiable"  # neither released yet
    ordinal = {"kind": "ordinal", "subject": "F-180B", "earlier": ["F-7B", "F-40B"]}
    assert verdict({**ordinal, "claimed_position": 2, "claimed_after": "F-40B"}) == "inconsistent"
    assert verdict({**ordinal, "claimed_position": 3, "claimed_after": "F-40B"}) == "consistent"
    assert verdict({**ordinal, "claimed_position": 3, "claimed_after": "F-1B"}) == "inconsistent"
    said = [{"source": "blog", "says": "on par"}, {"source": "paper", "says": "nears"}]
    assert verdict({"kind": "wording", "claimed": "on par", "statements": said}) == "inconsistent"
    assert verdict({"kind": "wording", "claimed": "nears", "statements": said}) == "consistent"
    assert verdict({"kind": "wording", "claimed": "on par", "statements": said[:1]}) == "consistent"
    acronym = {
        "kind": "acronym",
        "acronym": "BLOOM",
        "expansion": "BigScience Large Open-science Open-access Mul-tilingual LM",
    }
    assert verdict({**acronym, "source_expansion": "BigScience Large Open-science Open-access Multilingual LM"}) == (
        "consistent"
    )
    assert verdict({**acronym, "source_expansion": "Big Large Open Open Multilingual"}) == "inconsistent"
    assert verdict({**acronym, "acronym": "BLOM", "source_expansion": None}) == "inconsistent"
    assert verdict(acronym) == "unverifiable"


def test_every_verdict_says_the_number_that_decided_it(results: dict[str, costcalc.ClaimCheck]) -> None:
    assert results["F3b"].deciding.startswith("needs 11.43 USD per A100-40GB-hour; the dearest observed price is")
    assert results["L2c"].deciding == "the published GPU-hours fill at most 38% of the stated GPUs x period"
    assert results["F6"].deciding == "Falcon-180B 178.56B parameters against Switch-C-2048 1571.00B"
    assert results["F5"].deciding == "2 earlier model(s), so Falcon-180B is number 3"
    assert all(r.deciding for r in results.values())
