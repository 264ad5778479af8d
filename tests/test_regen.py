"""scripts/regen.py: deterministic generation, the drift check, the change summary and safe failure."""

from __future__ import annotations

import copy
import functools
import importlib.util
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonpatch
import pytest

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_PATH = ROOT / "openapi.json"
GENERATED_PACKAGE = ROOT / "generated" / "flick_api"


def _load_regen() -> ModuleType:
    # scripts/ is not a package: load the script from its path, as the Makefile runs it.
    spec = importlib.util.spec_from_file_location("regen", ROOT / "scripts" / "regen.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["regen"] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


regen = _load_regen()

Doc = dict[str, Any]


def snapshot(*paths: Path) -> dict[str, bytes]:
    """Every file under the given files and folders, by path, with its bytes."""
    files: dict[str, bytes] = {}
    for path in paths:
        candidates = [path] if path.is_file() else sorted(path.rglob("*"))
        for file in candidates:
            if file.is_file() and "__pycache__" not in file.parts:
                files[str(file)] = file.read_bytes()
    return files


@pytest.fixture(scope="module")
def fresh_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """flick_api generated once from the real openapi.json into a temp dir."""
    package: Path = regen.generate(SCHEMA_PATH, tmp_path_factory.mktemp("fresh"))
    return package


@pytest.fixture
def workspace(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the real schema and generated tree: (schema path, generated dir)."""
    schema = tmp_path / "openapi.json"
    shutil.copyfile(SCHEMA_PATH, schema)
    generated = tmp_path / "generated"
    shutil.copytree(GENERATED_PACKAGE, generated / "flick_api", ignore=shutil.ignore_patterns("__pycache__"))
    return schema, generated


def real_schema() -> Doc:
    doc: Doc = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return doc


def write_json(path: Path, doc: Any) -> str:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


# --- generation and drift ----------------------------------------------------------------


def test_generation_is_deterministic(fresh_package: Path, tmp_path: Path) -> None:
    """Two generator runs from the same schema give byte-identical trees."""
    again = regen.generate(SCHEMA_PATH, tmp_path)
    one = {Path(k).relative_to(fresh_package): v for k, v in snapshot(fresh_package).items()}
    two = {Path(k).relative_to(again): v for k, v in snapshot(again).items()}
    assert one == two
    assert Path("models/media_type.py") in one


def test_committed_tree_matches_schema(fresh_package: Path) -> None:
    """generated/flick_api is exactly what openapi.json generates (the drift check on the real tree)."""
    assert regen.drift(fresh_package, GENERATED_PACKAGE) == []


def test_drift_empty_for_unedited_copy(fresh_package: Path, workspace: tuple[Path, Path]) -> None:
    """An unedited copy of the tree shows no drift."""
    _, generated = workspace
    assert regen.drift(fresh_package, generated / "flick_api") == []


def test_drift_lists_each_hand_edit(fresh_package: Path, workspace: tuple[Path, Path]) -> None:
    """The drift names an edited file (with its diff), an added file and a removed file."""
    _, generated = workspace
    package = generated / "flick_api"
    media = package / "models" / "media.py"
    media.write_text(media.read_text(encoding="utf-8").replace("tmdb_id: str\n", "tmdb_id: int\n"), encoding="utf-8")
    (package / "models" / "extra.py").write_text("X = 1\n", encoding="utf-8")
    (package / "errors.py").unlink()

    lines = regen.drift(fresh_package, package)

    assert "unexpected file: generated/flick_api/models/extra.py\n" in lines
    assert "missing file: generated/flick_api/errors.py\n" in lines
    assert "--- generated/flick_api/models/media.py\n" in lines
    assert "+++ regenerated/flick_api/models/media.py\n" in lines
    assert "-    tmdb_id: int\n" in lines
    assert "+    tmdb_id: str\n" in lines
    headers = [line for line in lines if line.startswith(("---", "unexpected", "missing"))]
    assert len(headers) == 3, headers


def test_drift_ignores_bytecode_caches(fresh_package: Path, tmp_path: Path) -> None:
    """Importing the generated package (which writes __pycache__) is not drift."""
    copy_ = tmp_path / "flick_api"
    shutil.copytree(fresh_package, copy_)
    (copy_ / "__pycache__").mkdir()
    (copy_ / "__pycache__" / "client.cpython-311.pyc").write_bytes(b"\0")
    assert regen.drift(fresh_package, copy_) == []


def test_check_without_schema_is_a_clear_error(tmp_path: Path) -> None:
    """check() on a missing schema raises RegenError naming the file."""
    with pytest.raises(regen.RegenError, match=r"could not read .*nope\.json: no such file"):
        regen.check(schema_path=tmp_path / "nope.json", generated_dir=tmp_path)


def test_main_check_exit_codes(
    workspace: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--check` exits 0 when the tree matches, 1 (printing the diff) on drift, 2 when it cannot run."""
    schema, generated = workspace
    original = regen.check

    monkeypatch.setattr(regen, "check", functools.partial(original, schema_path=schema, generated_dir=generated))
    assert regen.main(["--check"]) == 0
    assert capsys.readouterr().out == "generated/ matches openapi.json\n"

    (generated / "flick_api" / "types.py").write_text("# edited\n", encoding="utf-8")
    assert regen.main(["--check"]) == 1
    captured = capsys.readouterr()
    assert "--- generated/flick_api/types.py\n" in captured.out
    assert "generated/ has drifted from openapi.json" in captured.err

    missing = tmp_path / "missing.json"
    monkeypatch.setattr(regen, "check", functools.partial(original, schema_path=missing, generated_dir=generated))
    assert regen.main(["--check"]) == 2
    assert capsys.readouterr().err == f"regen: could not read {missing}: no such file; nothing was changed.\n"


# --- the change summary: the mutation corpus -----------------------------------------------
# tests/fixtures/regen/mutations/*.json: each an RFC 6902 patch of a base schema (the Flick
# schema frozen in flick-openapi.json, or the small one in small-openapi.json), the verdict an
# SDK engineer gives it and the exact summary lines. Only the diff runs: no generator.

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "regen"
MUTATIONS = sorted((FIXTURES / "mutations").glob("*.json"))
LEVELS = ("compatible", "note", "breaking")


@functools.cache
def _base(name: str) -> Doc:
    doc: Doc = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return doc


def _mutation(path: Path) -> tuple[Doc, Doc, dict[str, Any]]:
    case: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    old = _base(case["base"])
    new: Doc = jsonpatch.apply_patch(old, case["patch"])  # a deep copy: the cached base stays
    return old, new, case


def _verdict(changes: list[Any]) -> str:
    return max((c.level for c in changes), key=LEVELS.index) if changes else "unchanged"


@pytest.mark.parametrize("path", MUTATIONS, ids=[p.stem for p in MUTATIONS])
def test_mutation_corpus(path: Path) -> None:
    """Each schema mutation gets exactly its expected summary lines and verdict."""
    old, new, case = _mutation(path)

    changes = regen.summarise_changes(old, new)

    assert [str(c) for c in changes] == case["lines"]
    assert _verdict(changes) == case["verdict"], case["why"]


def test_mutation_corpus_is_valid_openapi() -> None:
    """Every mutated schema is a valid OpenAPI document (else a case would test nothing real)."""
    for path in MUTATIONS:
        _, new, _ = _mutation(path)
        regen.validate(new, path.stem)


# Every kind of change issue #15 lists, each with the summary's `what` that reports it.
KINDS = {
    "operation": "operation",
    "parameter": "parameter",
    "request or response body": "body",
    "field": "field",
    "enum value": "enum value",
    "JSON Schema constraint": "constraint",
    "if/then rule": "rule",
    "default": "default",
    "response status": "response",
    "response header": "response header",
    "media type": "media type",
    "security scheme": "security scheme",
    "security requirement": "security requirement",
    "server": "server",
    "default server": "default server",
    "component schema": "schema",
}


def test_mutation_corpus_covers_every_kind() -> None:
    """At least 50 mutations; every kind of change and every verdict occurs in the corpus."""
    seen: dict[str, set[str]] = {}
    for path in MUTATIONS:
        _, new, case = _mutation(path)
        for change in regen.summarise_changes(_base(case["base"]), new):
            seen.setdefault(change.what, set()).add(change.level)
    assert len(MUTATIONS) >= 50
    assert {kind: what for kind, what in KINDS.items() if what not in seen} == {}
    verdicts = {json.loads(p.read_text(encoding="utf-8"))["verdict"] for p in MUTATIONS}
    assert verdicts == {"unchanged", *LEVELS}
    # Direction matters: constraints and fields are seen both breaking and compatible.
    assert {"breaking", "compatible"} <= seen["constraint"]
    assert {"breaking", "compatible"} <= seen["field"]


# (effect, sides, level): the table in regen.py's docstring, row by row.
VERDICTS = [
    ("tightened", {"request"}, "breaking"),
    ("tightened", {"response"}, "compatible"),
    ("tightened", {"request", "response"}, "breaking"),
    ("loosened", {"request"}, "compatible"),
    ("loosened", {"response"}, "breaking"),
    ("loosened", {"request", "response"}, "breaking"),
    ("changed", {"request"}, "breaking"),
    ("changed", {"response"}, "breaking"),
    ("neutral", {"request", "response"}, "compatible"),
    ("tightened", set(), "breaking"),  # an unused component counts as both sides
]


@pytest.mark.parametrize(("effect", "sides", "level"), VERDICTS)
def test_verdict_by_direction(effect: str, sides: set[str], level: str) -> None:
    """Request tightening and response loosening break; a schema on both sides gets the stricter verdict."""
    assert regen.verdict(effect, frozenset(sides)) == level


def test_new_response_enum_value_is_a_note() -> None:
    """Response loosening by an enum value is a note: the SDK parses values it does not know."""
    assert regen.verdict("loosened", frozenset({"response"}), response_loosened="note") == "note"
    assert regen.verdict("loosened", frozenset({"request"}), response_loosened="note") == "compatible"


# (id, change, how the summary prints it)
CHANGE_LINES = [
    ("breaking", ("removed", "field", "Item.note", "breaking", ""), "BREAKING field removed: Item.note"),
    (
        "with-detail",
        ("tightened", "constraint", "GET /items query:limit", "breaking", "maximum 100 -> 50; request"),
        "BREAKING constraint tightened: GET /items query:limit (maximum 100 -> 50; request)",
    ),
    ("note", ("added", "enum value", 'Status "x"', "note", "response"), 'NOTE enum value added: Status "x" (response)'),
    ("compatible", ("added", "operation", "GET /x", "compatible", ""), "operation added: GET /x"),
]


@pytest.mark.parametrize(("fields", "line"), [c[1:] for c in CHANGE_LINES], ids=[c[0] for c in CHANGE_LINES])
def test_change_str(fields: tuple[str, str, str, str, str], line: str) -> None:
    """A change prints as one line, BREAKING or NOTE first when it is one, with its detail in parentheses."""
    assert str(regen.Change(*fields)) == line


def test_summary_puts_breaking_first() -> None:
    """Breaking changes, then notes, then compatible ones, whatever the order they were found in."""
    old = _base("flick-openapi.json")
    new = copy.deepcopy(old)
    new["components"]["schemas"]["Review"]["properties"]["spoiler"] = {"type": "boolean"}
    new["components"]["schemas"]["ErrorCode"]["enum"].append("quota")
    del new["paths"]["/me/watchlist"]
    assert [c.level for c in regen.summarise_changes(old, new)] == ["breaking", "note", "compatible"]


def test_component_behind_a_response_header_is_response_side() -> None:
    """A schema reached only through a response header (next to another header) is judged as a response."""
    old = _base("small-openapi.json")
    new = copy.deepcopy(old)
    for doc, limit in ((old, 5), (new, 3)):
        doc["components"]["schemas"]["Trace"] = {"type": "string", "maxLength": limit}
        headers = doc["paths"]["/items"]["get"]["responses"]["200"]["headers"]
        headers["X-Trace"] = {"schema": {"$ref": "#/components/schemas/Trace"}}
        headers["X-Other"] = {"schema": {"type": "string"}}
    assert [str(c) for c in regen.summarise_changes(old, new)] == [
        "constraint tightened: Trace (maxLength 5 -> 3; response)"
    ]


def test_recursive_schema_is_compared_without_looping() -> None:
    """A schema that refers to itself (a tree of lists) is compared once per pair, not forever."""
    old = _base("small-openapi.json")
    new = copy.deepcopy(old)
    for doc, kind in ((old, "integer"), (new, "number")):
        doc["components"]["schemas"]["Node"] = {
            "type": "object",
            "properties": {
                "n": {"type": kind},
                "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
            },
        }
    lines = [str(c) for c in regen.summarise_changes(old, new)]
    assert lines == ["BREAKING field widened: Node.n (integer -> number; unused)"]


# --- regenerate --------------------------------------------------------------------------


def test_breaking_change_exits_3_and_writes_nothing(workspace: tuple[Path, Path], tmp_path: Path) -> None:
    """A breaking pull without --allow-breaking prints the summary, returns 3 and leaves both files alone."""
    schema, generated = workspace
    new = real_schema()
    del new["paths"]["/me"]
    before = snapshot(schema, generated)
    out = StringIO()

    code = regen.regenerate(
        write_json(tmp_path / "new.json", new), schema_path=schema, generated_dir=generated, out=out
    ).code

    assert code == 3
    assert out.getvalue() == (
        "1 change(s) against openapi.json:\n"
        "  BREAKING operation removed: GET /me\n"
        "1 breaking change(s); nothing written. Re-run with --allow-breaking.\n"
    )
    assert snapshot(schema, generated) == before


def test_main_returns_3_on_breaking_change(
    workspace: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--from` with a breaking schema exits 3 through the CLI, writing nothing."""
    schema, generated = workspace
    new = real_schema()
    del new["paths"]["/me"]
    source = write_json(tmp_path / "new.json", new)
    before = snapshot(schema, generated)
    monkeypatch.setattr(
        regen, "regenerate", functools.partial(regen.regenerate, schema_path=schema, generated_dir=generated)
    )
    assert regen.main(["--from", source]) == 3
    assert "BREAKING operation removed: GET /me" in capsys.readouterr().out
    assert snapshot(schema, generated) == before


def _not_utf8(path: Path) -> str:
    path.write_bytes(b"\xff\xfe{}")
    return str(path)


# (id, make the source in a temp dir, what the error says)
BAD_SOURCES: list[tuple[str, Callable[[Path], str], str]] = [
    ("unreachable-url", lambda tmp: "http://127.0.0.1:9/openapi.json", r"could not fetch http://127\.0\.0\.1:9/"),
    ("invalid-url", lambda tmp: "http://[::1/openapi.json", r"could not fetch http://\[::1/openapi\.json"),
    ("missing-file", lambda tmp: str(tmp / "absent.json"), r"could not read .*absent\.json: No such file"),
    ("a-folder", lambda tmp: str(tmp), r"could not read .*: Is a directory"),
    ("not-json", lambda tmp: write_text(tmp / "bad.json", "<html>oops</html>"), r"bad\.json is not JSON"),
    ("not-utf8", lambda tmp: _not_utf8(tmp / "bin.json"), r"bin\.json is not JSON: not UTF-8"),
    ("json-array", lambda tmp: write_json(tmp / "list.json", []), r"is not an OpenAPI document \(top level"),
    ("no-version", lambda tmp: write_json(tmp / "x.json", {"info": {}}), r"has no `openapi` version field"),
    ("swagger-2", lambda tmp: write_json(tmp / "x.json", {"swagger": "2.0"}), r"has no `openapi` version field"),
    (
        "openapi-2",
        lambda tmp: write_json(tmp / "x.json", {"openapi": "2.0"}),
        r"declares openapi '2\.0'; expected OpenAPI 3\.0 or 3\.1",
    ),
    (
        "invalid-openapi",
        lambda tmp: write_json(tmp / "x.json", {"openapi": "3.1.0", "paths": {}}),
        r"x\.json is not a valid OpenAPI document: \"info\" is a required property",
    ),
    (
        "dangling-ref",
        lambda tmp: write_json(tmp / "x.json", _dangling_ref()),
        r"x\.json is not a valid OpenAPI document: .*/components/schemas/Nope",
    ),
]


def write_text(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def _dangling_ref() -> Doc:
    doc = real_schema()
    doc["components"]["schemas"]["Review"]["properties"]["media"] = {"$ref": "#/components/schemas/Nope"}
    return doc


@pytest.mark.parametrize(("make_source", "message"), [b[1:] for b in BAD_SOURCES], ids=[b[0] for b in BAD_SOURCES])
def test_failed_pull_changes_nothing(
    make_source: Callable[[Path], str], message: str, workspace: tuple[Path, Path], tmp_path: Path
) -> None:
    """A pull that cannot be read or validated raises RegenError with a clear message and writes nothing."""
    schema, generated = workspace
    source = make_source(tmp_path)
    before = snapshot(schema, generated)
    with pytest.raises(regen.RegenError, match=message):
        regen.regenerate(source, schema_path=schema, generated_dir=generated, out=StringIO())
    assert snapshot(schema, generated) == before


def test_main_reports_failed_pull(
    workspace: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Through the CLI a failed pull exits 2 and says on stderr that nothing was changed."""
    schema, generated = workspace
    monkeypatch.setattr(
        regen, "regenerate", functools.partial(regen.regenerate, schema_path=schema, generated_dir=generated)
    )
    before = snapshot(schema, generated)
    assert regen.main(["--from", str(tmp_path / "absent.json")]) == 2
    err = capsys.readouterr().err
    assert err == f"regen: could not read {tmp_path / 'absent.json'}: No such file or directory; nothing was changed.\n"
    assert snapshot(schema, generated) == before


def test_failed_generation_changes_nothing(
    workspace: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the generator fails, the schema and the tree stay as they were."""
    schema, generated = workspace
    new = real_schema()
    new["components"]["schemas"]["Review"]["properties"]["spoiler"] = {"type": "boolean"}

    def fail(schema_path: Path, output_dir: Path) -> Path:
        raise regen.RegenError("openapi-python-client failed:\nboom")

    monkeypatch.setattr(regen, "generate", fail)
    before = snapshot(schema, generated)
    with pytest.raises(regen.RegenError, match="boom"):
        regen.regenerate(
            write_json(tmp_path / "new.json", new), schema_path=schema, generated_dir=generated, out=StringIO()
        )
    assert snapshot(schema, generated) == before


def test_failed_install_restores_the_old_tree(
    workspace: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If copying the new tree in fails midway, the old tree and schema are put back and no backup is left."""
    schema, generated = workspace
    new = real_schema()
    new["components"]["schemas"]["Review"]["properties"]["spoiler"] = {"type": "boolean"}
    source = write_json(tmp_path / "new.json", new)
    before = snapshot(schema, generated)

    def half_copy(src: Path, dst: Path) -> None:
        Path(dst).mkdir(parents=True)
        (Path(dst) / "__init__.py").write_text("# half\n", encoding="utf-8")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(regen.shutil, "copytree", half_copy)
    with pytest.raises(regen.RegenError, match=r"could not write .*No space left on device"):
        regen.regenerate(source, schema_path=schema, generated_dir=generated, out=StringIO())
    monkeypatch.undo()
    assert snapshot(schema, generated) == before
    assert sorted(p.name for p in generated.iterdir()) == ["flick_api"]
    assert sorted(p.name for p in schema.parent.iterdir() if p.is_file()) == ["new.json", "openapi.json"]


def test_regenerate_real_schema_end_to_end(workspace: tuple[Path, Path], tmp_path: Path) -> None:
    """A modified copy of the real schema gives an accurate summary, a new tree and a normalised schema."""
    schema, generated = workspace
    new = real_schema()
    new["components"]["schemas"]["MediaType"]["enum"].append("short")
    new["components"]["schemas"]["Review"]["properties"]["spoiler"] = {"type": "boolean"}
    del new["paths"]["/me/watchlist"]
    out = StringIO()

    code = regen.regenerate(
        write_json(tmp_path / "new.json", new),
        allow_breaking=True,
        schema_path=schema,
        generated_dir=generated,
        out=out,
    ).code

    assert code == 0
    assert out.getvalue().splitlines() == [
        "3 change(s) against openapi.json:",
        "  BREAKING operation removed: GET /me/watchlist",
        '  NOTE enum value added: MediaType "short" (request and response)',
        "  field added: Review.spoiler (response)",
        f"regenerated {generated / 'flick_api'} and {schema} from {tmp_path / 'new.json'}",
    ]
    assert schema.read_text(encoding="utf-8") == regen.normalise(new)
    assert regen.check(schema_path=schema, generated_dir=generated) == []
    assert not (generated / "flick_api" / "api" / "watchlist").exists()

    # The regenerated package, imported in a fresh interpreter so it cannot clash with flick_api here.
    probe = """
import sys
sys.path.insert(0, sys.argv[1])
from flick_api.models import Media, MediaType, Review
assert MediaType("short") is MediaType.SHORT
media = {"tmdb_id": "1", "type": "short", "title": "T", "year": None, "poster_url": None}
review = Review.from_dict({"id": "r", "media": media, "rating": None, "review": None, "watched_date": None,
                           "tags": [], "source": "api", "created_at": "2026-06-14T20:31:00Z", "spoiler": True})
assert review.media.type_ is MediaType.SHORT and review.spoiler is True, review
assert review.additional_properties == {}, review.additional_properties
print("ok")
"""
    result = subprocess.run(
        [sys.executable, "-c", probe, str(generated)], capture_output=True, text=True, check=False, cwd=tmp_path
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "ok\n", "")


def test_regenerate_without_changes_says_so(workspace: tuple[Path, Path]) -> None:
    """Pulling the current schema reports no changes and leaves identical files."""
    schema, generated = workspace
    before = snapshot(schema, generated)
    out = StringIO()
    assert regen.regenerate(str(SCHEMA_PATH), schema_path=schema, generated_dir=generated, out=out).code == 0
    assert out.getvalue().splitlines()[0] == "no schema changes against openapi.json"
    assert snapshot(schema, generated) == before


# --- issue #15, "What was measured on main" ----------------------------------------------
# Each case failed on main: a kind of change never compared ("no schema changes"), or a type
# change called breaking whatever its direction.


def _review_create(doc: Doc) -> dict[str, Any]:
    schema: dict[str, Any] = doc["components"]["schemas"]["ReviewCreate"]
    return schema


MEASURED: list[tuple[str, Callable[[Doc], object], bool]] = [
    ("request-maxLength-tightened", lambda d: _review_create(d)["properties"]["review"].update(maxLength=5000), True),
    ("request-maxLength-loosened", lambda d: _review_create(d)["properties"]["review"].update(maxLength=20000), False),
    ("request-maximum-tightened", lambda d: _review_create(d)["properties"]["rating"].update(maximum=5), True),
    ("request-maxItems-tightened", lambda d: _review_create(d)["properties"]["tags"].update(maxItems=10), True),
    ("request-pattern-added", lambda d: _review_create(d)["properties"]["tmdb_id"].update(pattern="^[0-9]+$"), True),
    (
        "query-limit-maximum-lowered",
        lambda d: d["components"]["parameters"]["limit"]["schema"].update(maximum=50),
        True,
    ),
    ("default-changed", lambda d: d["components"]["parameters"]["limit"]["schema"].update(default=20), False),
    (
        "response-header-removed",
        lambda d: d["paths"]["/me"]["get"]["responses"]["200"]["headers"].pop("X-RateLimit-Reset"),
        True,
    ),
    (
        "response-status-added",
        lambda d: d["paths"]["/me"]["get"]["responses"].update({"404": {"$ref": "#/components/responses/NotFound"}}),
        False,
    ),
    ("security-scheme-removed", lambda d: _drop_api_key_scheme(d), True),
    ("server-url-changed", lambda d: d["servers"][0].update(url="https://api.flickmovies.com/beta"), True),
    (
        "request-field-widened-integer-to-number",
        lambda d: _review_create(d)["properties"]["season_number"].update(type="number"),
        False,
    ),
    (
        "request-field-made-nullable",
        lambda d: _review_create(d)["properties"]["review"].update(type=["string", "null"]),
        False,
    ),
    (
        "response-field-narrowed-number-to-integer",
        lambda d: d["components"]["schemas"]["Review"]["properties"]["rating"].update(type=["integer", "null"]),
        False,
    ),
]


def _drop_api_key_scheme(doc: Doc) -> None:
    del doc["components"]["securitySchemes"]["apiKeyAuth"]
    doc["security"] = [{"bearerAuth": []}]


@pytest.mark.parametrize(("mutate", "breaking"), [m[1:] for m in MEASURED], ids=[m[0] for m in MEASURED])
def test_measured_changes_are_seen_and_classified(mutate: Callable[[Doc], object], breaking: bool) -> None:
    """Each change the issue measured is reported, and breaking exactly when it can break a caller."""
    old = real_schema()
    new = copy.deepcopy(old)
    mutate(new)
    regen.validate(new, "mutation")

    changes = regen.summarise_changes(old, new)

    assert changes, "the change went unreported"
    assert any(c.breaking for c in changes) is breaking, [str(c) for c in changes]


def _make_regen(source: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", "regen", f"FROM={source}", "ARGS=--dry-run"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_make_regen_last_line_tells_breaking_from_invalid(tmp_path: Path) -> None:
    """make turns every failure into exit 2: its last line says which it was (0, 3 breaking, 2 invalid)."""
    new = real_schema()
    del new["paths"]["/me"]
    before = snapshot(SCHEMA_PATH, GENERATED_PACKAGE)

    unchanged = _make_regen(str(SCHEMA_PATH))
    breaking = _make_regen(write_json(tmp_path / "breaking.json", new))
    invalid = _make_regen(write_text(tmp_path / "invalid.json", "{"))

    assert unchanged.stdout.splitlines()[-1] == "make regen: exit 0 (no breaking change)"
    assert unchanged.returncode == 0

    assert breaking.stdout.splitlines()[-1].startswith("make regen: exit 3 (breaking changes")
    assert invalid.stdout.splitlines()[-1].startswith("make regen: exit 2 (invalid")
    assert breaking.returncode != 0
    assert invalid.returncode != 0
    assert snapshot(SCHEMA_PATH, GENERATED_PACKAGE) == before


# --- exit codes and the summary for a pull request ------------------------------------------


@pytest.fixture
def cli(workspace: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Callable[[list[str]], tuple[int, str, str]]:
    """main() against the workspace copy: returns (exit code, stdout, stderr)."""
    schema, generated = workspace
    monkeypatch.setattr(
        regen, "regenerate", functools.partial(regen.regenerate, schema_path=schema, generated_dir=generated)
    )
    monkeypatch.setattr(regen, "SERVED_SCHEMA_PATH", schema.parent / "served.json")

    def run(argv: list[str]) -> tuple[int, str, str]:
        out, err = StringIO(), StringIO()
        monkeypatch.setattr(sys, "stdout", out)
        monkeypatch.setattr(sys, "stderr", err)
        code = regen.main(argv)
        monkeypatch.setattr(sys, "stdout", sys.__stdout__)
        monkeypatch.setattr(sys, "stderr", sys.__stderr__)
        return code, out.getvalue(), err.getvalue()

    return run


def _safe_and_noted(tmp_path: Path) -> str:
    new = real_schema()
    new["components"]["schemas"]["Review"]["properties"]["spoiler"] = {"type": "boolean"}
    new["components"]["schemas"]["ErrorCode"]["enum"].append("quota")
    return write_json(tmp_path / "safe.json", new)


def _breaking(tmp_path: Path) -> str:
    new = real_schema()
    new["components"]["schemas"]["ReviewCreate"]["properties"]["review"]["maxLength"] = 5000
    new["components"]["schemas"]["Review"]["properties"]["spoiler"] = {"type": "boolean"}
    new["components"]["schemas"]["ErrorCode"]["enum"].append("quota")
    return write_json(tmp_path / "breaking.json", new)


def test_exit_codes_for_ci(
    cli: Callable[[list[str]], tuple[int, str, str]], workspace: tuple[Path, Path], tmp_path: Path
) -> None:
    """0 for no change or only safe ones, 3 for breaking ones, 2 for an unreadable schema; --dry-run writes nothing."""
    schema, generated = workspace
    before = snapshot(schema, generated)

    assert cli(["--from", str(schema), "--dry-run"])[0] == 0
    assert cli(["--from", _safe_and_noted(tmp_path), "--dry-run"])[0] == 0
    code, out, _ = cli(["--from", _breaking(tmp_path), "--dry-run"])
    assert code == 3
    assert out.splitlines()[-1] == "1 breaking change(s); nothing written. Re-run with --allow-breaking."
    assert cli(["--from", _breaking(tmp_path), "--dry-run", "--allow-breaking"])[0] == 0
    code, _, err = cli(["--from", write_text(tmp_path / "bad.json", "{"), "--dry-run"])
    assert code == 2
    assert "is not JSON" in err
    assert snapshot(schema, generated) == before


def test_markdown_summary_puts_breaking_first(cli: Callable[[list[str]], tuple[int, str, str]], tmp_path: Path) -> None:
    """--format markdown prints sections for a PR body: breaking, then notes, then compatible changes."""
    code, out, _ = cli(["--from", _breaking(tmp_path), "--format", "markdown"])
    assert code == 3
    assert out.splitlines()[:14] == [
        "### Schema changes against `openapi.json`",
        "",
        "#### Breaking changes (1)",
        "",
        "- constraint tightened: `ReviewCreate.review` (maxLength 10000 -> 5000; request)",
        "",
        "#### Notes (1)",
        "",
        '- enum value added: `ErrorCode "quota"` (response)',
        "",
        "#### Compatible changes (1)",
        "",
        "- field added: `Review.spoiler` (response)",
        "1 breaking change(s); nothing written. Re-run with --allow-breaking.",
    ]


def test_summary_file_is_written_even_when_the_run_stops(
    cli: Callable[[list[str]], tuple[int, str, str]], tmp_path: Path
) -> None:
    """--summary-file writes the Markdown summary for a breaking pull too (CI posts it on the PR)."""
    summary = tmp_path / "summary.md"
    code, out, _ = cli(["--from", _breaking(tmp_path), "--summary-file", str(summary)])
    assert code == 3
    assert out.startswith("3 change(s) against openapi.json:\n  BREAKING constraint tightened")
    text = summary.read_text(encoding="utf-8")
    assert text.index("#### Breaking changes (1)") < text.index("#### Notes (1)") < text.index("#### Compatible")


def test_summary_file_unwritable_is_exit_2(
    cli: Callable[[list[str]], tuple[int, str, str]], workspace: tuple[Path, Path], tmp_path: Path
) -> None:
    """A summary file that cannot be written is a clear error (exit 2) before anything else is written."""
    before = snapshot(*workspace)
    code, _, err = cli(["--from", _safe_and_noted(tmp_path), "--summary-file", str(tmp_path)])
    assert code == 2
    assert f"could not write the summary to {tmp_path}" in err
    assert snapshot(*workspace) == before


def test_generation_steps_run_and_are_covered_by_check(
    workspace: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A step in GENERATION_STEPS writes into every generated package, so --check sees its file missing."""
    schema, generated = workspace

    def write_version(doc: Any, package: Path) -> None:
        (package / "_schema_version.py").write_text(f"VERSION = {doc['info']['version']!r}\n", encoding="utf-8")

    monkeypatch.setattr(regen, "GENERATION_STEPS", [*regen.GENERATION_STEPS, write_version])
    assert regen.check(schema_path=schema, generated_dir=generated) == [
        "missing file: generated/flick_api/_schema_version.py\n"
    ]


# --- model test: no missed break -----------------------------------------------------------
# The verdict's definition, checked against a real validator: if some value the old schema
# accepts is refused by the new one, a request-side change must be breaking; if some value the
# new schema admits was refused by the old one, a response-side change must be breaking.
# Hypothesis draws pairs of small schemas; the values are a fixed pool that straddles every
# bound the strategy can draw. (Sound, not complete: an over-cautious verdict passes.)

POOL: list[Any] = [
    None, True, False, 0, 1, 2, 3, 5, 10, 12, -1, -3, 0.5, 2.5, 7.3, 1e9,
    "", "a", "b", "ab", "ba", "abc", "abcdefg", "aaaaaaaaaa",
    [], [1], [1, 1], [1, 2], [1, 2, 3], ["a"], ["a", "a", "b", "c"],
    {}, {"k": 1}, {"a": 1}, {"a": "x"}, {"a": None}, {"b": 1}, {"a": 1, "b": 2}, {"a": 1, "k": 1},
]  # fmt: skip


def _keyword_strategies() -> dict[str, Any]:
    from hypothesis import strategies as st

    return {
        "type": st.sampled_from(["integer", "number", "string", "array", ["string", "null"], ["integer", "null"]]),
        "minimum": st.integers(-2, 6),
        "maximum": st.integers(0, 11),
        "exclusiveMinimum": st.integers(-2, 6),
        "exclusiveMaximum": st.integers(0, 11),
        "multipleOf": st.sampled_from([0.5, 1, 2, 3]),
        "minLength": st.integers(0, 3),
        "maxLength": st.integers(0, 8),
        "pattern": st.sampled_from(["^a", "^[ab]*$", "b"]),
        "enum": st.lists(st.sampled_from([1, 2, 3, "a", "ab", None]), min_size=1, max_size=4, unique=True),
        "const": st.sampled_from([1, "a"]),
        "minItems": st.integers(0, 2),
        "maxItems": st.integers(0, 3),
        "uniqueItems": st.booleans(),
    }


def _keyword_schemas() -> Any:
    from hypothesis import strategies as st

    simple = st.fixed_dictionaries({}, optional=_keyword_strategies())
    scalar_variant = st.sampled_from(
        [{"type": "integer"}, {"type": "null"}, {"type": "string", "maxLength": 2}, {"type": "string", "pattern": "^a"}]
    )
    variants = st.fixed_dictionaries({"anyOf": st.lists(scalar_variant, min_size=1, max_size=3, unique_by=json.dumps)})
    field = st.sampled_from([{"type": "integer"}, {"type": "string"}, {"type": ["integer", "null"]}, {}])
    objects = st.fixed_dictionaries(
        {"type": st.just("object")},
        optional={
            "properties": st.fixed_dictionaries({}, optional={"a": field, "b": field}),
            "required": st.lists(st.sampled_from(["a", "b"]), unique=True),
            "additionalProperties": st.booleans(),
            "maxProperties": st.integers(0, 2),
            "allOf": st.just([{"if": {"required": ["a"]}, "then": {"required": ["b"]}}]),
        },
    )
    return st.one_of(simple, variants, objects)


def _one_edit(before: dict[str, Any]) -> Any:
    """`before` with one keyword added, replaced or removed: the sharpest test of each rule."""
    from hypothesis import strategies as st

    keys = sorted(_keyword_strategies())
    set_one = st.sampled_from(keys).flatmap(lambda k: _keyword_strategies()[k].map(lambda v: {**before, k: v}))
    if not before:
        return set_one
    drop_one = st.sampled_from(sorted(before)).map(lambda k: {x: v for x, v in before.items() if x != k})
    return st.one_of(set_one, drop_one)


def _document(value_schema: Any) -> Doc:
    def body(name: str) -> Any:
        return {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}

    return {
        "openapi": "3.1.0",
        "info": {"title": "Model", "version": "1"},
        "paths": {
            "/x": {
                "post": {
                    "operationId": "x",
                    "requestBody": {"required": True, "content": body("In")},
                    "responses": {"200": {"description": "OK", "content": body("Out")}},
                }
            }
        },
        "components": {
            "schemas": {
                name: {"type": "object", "properties": {"v": copy.deepcopy(value_schema)}} for name in ("In", "Out")
            }
        },
    }


def test_no_value_change_goes_unflagged() -> None:
    """Random keyword changes: a value newly refused (request) or newly admitted (response) is flagged.

    Checked with a real validator (jsonschema, Draft 2020-12, as OpenAPI 3.1 uses).
    """
    from hypothesis import given, settings
    from hypothesis import strategies as st
    from jsonschema import Draft202012Validator

    pairs = st.one_of(
        st.tuples(_keyword_schemas(), _keyword_schemas()),
        _keyword_schemas().flatmap(lambda before: st.tuples(st.just(before), _one_edit(before))),
    )

    @settings(max_examples=600, derandomize=True, deadline=None, database=None)
    @given(pairs)
    def check(pair: tuple[dict[str, Any], dict[str, Any]]) -> None:
        before, after = pair
        old_ok = [Draft202012Validator(before).is_valid(v) for v in POOL]
        new_ok = [Draft202012Validator(after).is_valid(v) for v in POOL]
        changes = regen.summarise_changes(_document(before), _document(after))
        in_request = any(c.breaking for c in changes if c.where.startswith("In"))
        # A new response enum value is a note by design: the SDK parses values it does not list.
        in_response = any(
            c.breaking or (c.level == "note" and c.what == "enum value") for c in changes if c.where.startswith("Out")
        )
        # The one exception by design: an optional field added to an open object refuses values
        # that used the name undeclared, with another type. Callers send declared fields (the
        # generated models have them), so a new optional field is compatible, as every tool says.
        declared = set(after.get("properties", {})) - set(before.get("properties", {}))
        refused = [
            v
            for v, o, n in zip(POOL, old_ok, new_ok, strict=True)
            if o and not n and not (isinstance(v, dict) and declared & v.keys())
        ]
        admitted = [v for v, o, n in zip(POOL, old_ok, new_ok, strict=True) if n and not o]
        assert in_request or not refused, (refused, [str(c) for c in changes])
        assert in_response or not admitted, (admitted, [str(c) for c in changes])

    check()


def test_a_shared_header_counts_only_the_operations_that_use_it() -> None:
    """'used by' names operations that reference the header itself, not one whose name it prefixes."""

    def doc(limit_type: str) -> Doc:
        def op(*headers: str) -> dict[str, Any]:
            refs = {h: {"$ref": f"#/components/headers/{h}"} for h in headers}
            return {"operationId": f"op{len(headers)}", "responses": {"200": {"description": "OK", "headers": refs}}}

        return {
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": {"/a": {"get": op("X-Limit-Day")}, "/b": {"get": op("X-Limit", "X-Limit-Day")}},
            "components": {
                "headers": {
                    "X-Limit": {"schema": {"type": limit_type}},
                    "X-Limit-Day": {"schema": {"type": "integer"}},
                }
            },
        }

    changes = regen.summarise_changes(doc("integer"), doc("string"))
    assert [str(c) for c in changes] == [
        "BREAKING response header retyped: components/headers/X-Limit (integer -> string; response; used by GET /b)"
    ]
