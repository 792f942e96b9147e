"""How much work a claim costs: one estimate per subject, no layout search, only the subject's runs read.

Counted with wrappers around the estimator's ``compute``, the layout search and the run loader,
never timed: the machine running the tests is shared.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import costcalc
import costcalc.commands.checks as checks
import costcalc.commands.claims.subject as subject
import costcalc.estimator.api as api
import costcalc.estimator.layouts as layouts
from costcalc.base.errors import PresetError
from costcalc.cli import main
from costcalc.data.catalog import default_catalog
from costcalc.data.claims import MAX_CLAIMS_FILE_BYTES, MAX_SUBJECTS


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """Counts of estimates, layout searches and published runs read, from a cold start."""
    counted: Counter[str] = Counter()
    compute, search, validate = api.compute, layouts.search, subject.validate_entry

    def counting_compute(*args: Any, **kwargs: Any) -> Any:
        counted["estimates"] += 1
        return compute(*args, **kwargs)

    def counting_search(*args: Any, **kwargs: Any) -> Any:
        counted["layout searches"] += 1
        return search(*args, **kwargs)

    def counting_validate(entry: Any, model: Any) -> Any:
        counted[f"{entry.kind} read"] += 1
        counted[f"model {entry.data.get('model')}"] += 1
        return validate(entry, model)

    monkeypatch.setattr(api, "compute", counting_compute)
    monkeypatch.setattr(layouts, "search", counting_search)
    monkeypatch.setattr(subject, "validate_entry", counting_validate)
    subject.clear_kept()
    yield counted
    subject.clear_kept()


def test_a_cost_claim_runs_one_estimate_and_no_layout_search(calls: Counter[str]) -> None:
    [result] = costcalc.check_claims(["cost > 80M USD"], model="falcon-180b")
    assert result.verdict == "implausible"
    assert calls["estimates"] == 1
    assert calls["layout searches"] == 0
    shipped = [e.data.get("model") for e in default_catalog().data("run")]
    assert len(shipped) > 10  # many runs are shipped; only Falcon-180B's are read
    assert calls["run read"] == calls["model Falcon-180B"] + calls["model falcon-180b"] >= 1


def test_many_claims_about_one_subject_share_one_estimate(calls: Counter[str]) -> None:
    claims = ["cost > 80M USD", "gpu-hours = 7M", "days < 1 year", "flops > 1e24", "params ~ 180B"] * 80
    results = costcalc.check_claims(claims, model="falcon-180b")
    assert len(results) == 400
    assert calls["estimates"] == 1 and calls["layout searches"] == 0


def test_each_subject_gets_its_own_estimate(calls: Counter[str]) -> None:
    costcalc.check_claims(["cost > 1M USD", "days < 100"], params="7B", tokens="1T", gpu="a100", gpus=64)
    costcalc.check_claims(["cost > 1M USD"], params="13B", tokens="1T", gpu="a100", gpus=64)
    assert calls["estimates"] == 2 and calls["layout searches"] == 0


def test_energy_claims_add_the_estimate_pinned_to_the_published_gpu_hours(calls: Counter[str]) -> None:
    [result] = costcalc.check_claims(["energy > 1 MWh"], model="falcon-180b")
    assert "published 7,000,000 GPU-h with costcalc's ranges" in result.source_value
    assert calls["estimates"] == 2 and calls["layout searches"] == 0


def test_counting_the_bubble_still_needs_the_layout(calls: Counter[str]) -> None:
    costcalc.check_claims(["gpu-hours > 1"], model="llama-2-7b", gpu="a100", gpus=64, pp=4, count_bubble=True)
    assert calls["layout searches"] >= 1


def test_assumptions_are_found_by_the_input_they_settle_not_by_their_display_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from costcalc.render import words

    # Display names may be reworded (in one place); the range's source still names the efficiency
    # and price behind it, in the new words.
    subject.clear_kept()
    for key in ("efficiency", "price"):
        monkeypatch.setitem(words.NAMES, key, f"shown as {words.NAMES[key]}")
    [result] = costcalc.check_claims(["cost > 1M USD"], params="7B", tokens="1T", gpu="h100", gpus=64)
    subject.clear_kept()
    assert "shown as efficiency MFU" in result.source and "shown as price" in result.source
    assert "; it implies" in result.deciding and "(price given)" not in result.deciding
    est = costcalc.estimate(params="7B", gpu="h100")
    assert all("field" not in record for record in est.to_dict()["assumptions"])


def _quantity_claims(subjects: list[str], size: int | None = None) -> str:
    """Claims file text: one small cost claim per subject line, repeated to ``size`` bytes if given."""
    claim = (
        '[[claim]]\nid="{i}"\nmodel="m"\nclaim="c"\n'
        'check={{kind="quantity",quantity="cost",relation=">",value=1,subject={{{s}}}}}\n'
    )
    if size is None:
        return "".join(claim.format(i=i, s=s) for i, s in enumerate(subjects))
    parts, total, i = [], 0, 0
    while total + len(claim.format(i=i, s=subjects[0])) <= size:
        parts.append(claim.format(i=i, s=subjects[i % len(subjects)]))
        total += len(parts[-1])
        i += 1
    return "".join(parts)


def test_a_claims_file_at_the_size_cap_is_checked_with_one_estimate_per_subject(
    calls: Counter[str], tmp_path: Path
) -> None:
    path = tmp_path / "many.toml"
    subjects = ['model="bloom"', 'params="7B",tokens="1T",gpu="a100",gpus=64']
    path.write_text(_quantity_claims(subjects, MAX_CLAIMS_FILE_BYTES))
    assert MAX_CLAIMS_FILE_BYTES - 200 < path.stat().st_size <= MAX_CLAIMS_FILE_BYTES
    results = costcalc.check_claims(file=path)
    assert len(results) > 5000 and {r.verdict for r in results} == {"consistent", "unverifiable"}
    assert calls["estimates"] == 2 and calls["layout searches"] == 0


def test_the_subject_cap_refuses_a_file_before_any_estimate(
    calls: Counter[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    subjects = [f'params="{n}B",tokens="1T",gpu="a100",gpus=64' for n in range(1, MAX_SUBJECTS + 2)]
    path = tmp_path / "subjects.toml"
    path.write_text(_quantity_claims(subjects))
    try:
        code = main(["check", str(path)])
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and calls["estimates"] == 0
    assert f"{path}: claim[{MAX_SUBJECTS}] ({MAX_SUBJECTS}).check: more than {MAX_SUBJECTS} different subjects" in err
    path.write_text(_quantity_claims(subjects[:3]))  # under the cap: checked, one estimate per subject
    monkeypatch.setattr(checks, "MAX_SUBJECTS", 3)
    assert len(costcalc.check_claims(file=path)) == 3 and calls["estimates"] == 3
    path.write_text(_quantity_claims(subjects[:4]))
    with pytest.raises(PresetError, match=r"claim\[3\] \(3\)\.check: more than 3 different subjects"):
        costcalc.check_claims(file=path)
