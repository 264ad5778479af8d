"""The hand-written facade keeps up with the generated client (issue #12, item 4).

`test_review_input_*` compare `ReviewInput` with the generated `ReviewCreate`, so a regeneration
that adds a review field fails CI until the facade takes it. `facade_gap` is what `make regen`
prints after the change summary: what a new schema offers that the facade does not expose yet.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from io import StringIO
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import pytest
from flick_api.models import ReviewCreate

from flick_async import ReviewInput

ROOT = Path(__file__).resolve().parent.parent


def _load_regen() -> ModuleType:
    if "regen" in sys.modules:  # tests/test_regen.py loaded it already
        return sys.modules["regen"]
    spec = importlib.util.spec_from_file_location("regen", ROOT / "scripts" / "regen.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["regen"] = module
    spec.loader.exec_module(module)
    return module


regen = _load_regen()


def _fields(cls: type) -> set[str]:
    # additional_properties is the generated models' bag of unknown fields, not a schema field.
    return {field.name for field in attrs.fields(cls)} - {"additional_properties"}


def _required(cls: type) -> set[str]:
    return {field.name for field in attrs.fields(cls) if field.default is attrs.NOTHING}


def test_review_input_has_exactly_the_fields_of_review_create() -> None:
    """ReviewInput and the generated ReviewCreate agree on fields: none missing, none extra."""
    missing, extra = _fields(ReviewCreate) - _fields(ReviewInput), _fields(ReviewInput) - _fields(ReviewCreate)
    assert (missing, extra) == (set(), set()), "ReviewInput has fallen out of step with ReviewCreate"


def test_review_input_requires_what_review_create_requires() -> None:
    """A field the schema requires is required by ReviewInput too, and only those."""
    assert _required(ReviewInput) == _required(ReviewCreate) == {"tmdb_id", "media_type"}


def real_schema() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((ROOT / "openapi.json").read_text(encoding="utf-8"))
    return doc


def test_no_gap_for_the_committed_schema() -> None:
    """The facade exposes every operation, parameter and request field of openapi.json (and the tables are current)."""
    assert regen.facade_gap(real_schema()) == []


def test_every_table_entry_names_a_real_facade_callable() -> None:
    """FACADE_METHODS and FACADE_INPUTS name only things flick_async exports."""
    for methods in regen.FACADE_METHODS.values():
        for qualname in methods:
            assert regen._facade_names(qualname) is not None, qualname
    for class_name in regen.FACADE_INPUTS.values():
        assert regen._input_fields(class_name) is not None, class_name


# The gap cases patch the schema frozen for the regen corpus, so that they keep testing the
# report (not today's schema) when openapi.json moves on.
FROZEN = ROOT / "tests" / "fixtures" / "regen" / "flick-openapi.json"


def _with(mutate: Any) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(FROZEN.read_text(encoding="utf-8"))
    mutate(doc)
    regen.validate(doc, "mutation")
    return doc


# (id, change to the schema, what the gap report says)
GAPS: list[tuple[str, Any, list[str]]] = [
    (
        "new-review-field",
        lambda d: d["components"]["schemas"]["ReviewCreate"]["properties"].update(spoiler={"type": "boolean"}),
        ["field ReviewCreate.spoiler: ReviewInput has no `spoiler`"],
    ),
    (
        "new-camel-case-review-field",
        lambda d: d["components"]["schemas"]["ReviewCreate"]["properties"].update(rewatchCount={"type": "integer"}),
        ["field ReviewCreate.rewatchCount: ReviewInput has no `rewatch_count`"],
    ),
    (
        "new-operation",
        lambda d: d["paths"]["/me/lists"].update(
            post={"operationId": "createList", "tags": ["lists"], "responses": {"201": {"description": "Created."}}}
        ),
        [
            "operation createList (POST /me/lists): no facade method; "
            "reach it with flick.call(flick_api.api.lists.create_list, …)"
        ],
    ),
    (
        "new-query-parameter",
        lambda d: d["paths"]["/me/reviews"]["get"]["parameters"].append(
            {"name": "sortBy", "in": "query", "schema": {"type": "string"}}
        ),
        ["parameter GET /me/reviews query:sortBy: Reviews.list takes no `sort_by`"],
    ),
    (
        "new-batch-body-field",
        lambda d: d["components"]["schemas"]["ReviewBatchCreate"]["properties"].update(atomic={"type": "boolean"}),
        ["field POST /me/reviews/batch request body.atomic: Reviews.create_many takes no `atomic`"],
    ),
    (
        "existing-parameter-is-covered",
        lambda d: d["paths"]["/resolve"]["get"]["parameters"][1].update(description="Another text."),
        [],
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), [g[1:] for g in GAPS], ids=[g[0] for g in GAPS])
def test_gap_report_names_what_the_facade_lacks(mutate: Any, expected: list[str]) -> None:
    """Each new operation, parameter or request field without a facade counterpart gets one line."""
    assert regen.facade_gap(_with(mutate)) == expected


def test_make_regen_prints_the_gap(tmp_path: Path) -> None:
    """The summary a regeneration prints ends with the gap (here a dry run: nothing is written)."""
    source = tmp_path / "new.json"
    source.write_text(json.dumps(_with(GAPS[0][1])), encoding="utf-8")
    out = StringIO()

    outcome = regen.regenerate(str(source), dry_run=True, schema_path=FROZEN, out=out)

    assert outcome.code == 0
    assert out.getvalue().splitlines() == [
        "1 change(s) against flick-openapi.json:",
        "  field added: ReviewCreate.spoiler (request)",
        "1 thing(s) the facade (flick_async) does not expose yet:",
        "  field ReviewCreate.spoiler: ReviewInput has no `spoiler`",
        "dry run: nothing written.",
    ]
