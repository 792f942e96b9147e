"""Which published run a claim's subject is judged against: the tolerance on tokens and the hardware."""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest

from costcalc.commands.claims.subject import SAME_TOKENS, resolve_subject
from costcalc.data.catalog import Catalog

PUBLISHED_TOKENS = 2e12  # Llama 2 70B's run (Touvron et al. 2023, Table 1), shipped as run llama2-70b


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load(user=False)


@pytest.mark.parametrize(
    ("factor", "matched"),
    [(1.0, True), (1 + 0.99 * SAME_TOKENS, True), (1 + 1.01 * SAME_TOKENS, False),
     (1 - 0.99 * SAME_TOKENS, True), (1 - 1.01 * SAME_TOKENS, False)],
)  # fmt: skip
def test_tokens_within_five_percent_still_describe_the_run(catalog: Catalog, factor: float, matched: bool) -> None:
    """A subject's tokens within 5% of the run's (at 0.99x and 1.01x of that tolerance) keep the run;
    beyond, the claim is judged against costcalc's range and the mismatch is said."""
    assert SAME_TOKENS == 0.05
    subject = resolve_subject({"model": "llama-2-70b", "tokens": PUBLISHED_TOKENS * factor}, catalog)
    assert (subject.run is not None, subject.mismatch) == (matched, not matched)
    if matched:
        assert subject.run is not None and subject.run.id == "llama2-70b"


@pytest.mark.parametrize(("gpu", "matched"), [(None, True), ("a100", True), ("h100", False)])
def test_the_run_is_kept_only_on_its_hardware(catalog: Catalog, gpu: str | None, matched: bool) -> None:
    """Llama 2 70B ran on A100-80GB: a subject on H100s is another run."""
    given = {"model": "llama-2-70b"} | ({} if gpu is None else {"gpu": gpu})
    subject = resolve_subject(given, catalog)
    assert (subject.run is not None, subject.mismatch) == (matched, not matched)


def test_no_run_without_a_model_or_for_fine_tuning(catalog: Catalog) -> None:
    """A parameter count names no run; fine-tuning a model is not its published pre-training run."""
    bare = resolve_subject({"params": "70B", "tokens": "2T", "gpus": 2000}, catalog)
    assert (bare.run, bare.mismatch) == (None, False)
    tuned = resolve_subject(
        {"model": "llama-2-70b", "stage": "sft", "method": "lora", "tokens": "1B", "seq_len": 4096}, catalog
    )
    assert tuned.run is None
    with pytest.raises(FrozenInstanceError):
        bare.label = ""  # type: ignore[misc]
