"""`make mutation`: mutation-test each core module against its own tests and print a score table.

mutmut (configured under `[tool.mutmut]` in pyproject.toml) mutates one function at a time and runs
each mutant against only the tests that call that function. This driver narrows that further to
one module at a time: `[tool.flick_async.mutation.modules]` maps each core module to the test files
that are its own, and each module is run in a child process with mutmut's configuration narrowed to
that file and those tests, in a fresh `mutants/` directory (so a score never comes from results
cached before the code or the tests changed).

    python scripts/mutation.py                       every core module
    python scripts/mutation.py --modules _retry,_errors
    python scripts/mutation.py --jobs 2              mutants run two at a time (default 1)
    python scripts/mutation.py --recheck _pipeline --tests tests/pins/test_pipeline_answers.py
                                                     the last run's survivors against new tests

A line whose mutants cannot change behaviour is listed in `do_not_mutate_patterns` (pyproject.toml,
with the reason) or carries `# pragma: no mutate` and a comment saying why; the table counts those
lines as "excl." so nothing is hidden. The exit code is 1 when a
module scores below `fail_under`.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Per-module logs and results; mutants/ itself is rebuilt for every module.
OUT = ROOT / ".mutation"
PRAGMA = "pragma: no mutate"

KILLED = frozenset({"killed", "caught by type check"})
# How much further out than mutmut's own wall-clock limit a mutant's run is ended (see _time_limits_by_cpu).
WALL_CLOCK_SLACK = 5.0


def _settings() -> dict[str, Any]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    settings: dict[str, Any] = data["tool"]["flick_async"]["mutation"]
    return settings


def _mutmut_settings() -> dict[str, Any]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    settings: dict[str, Any] = data["tool"]["mutmut"]
    return settings


def _excluded_lines(source: str, patterns: list[re.Pattern[str]]) -> int:
    """Lines left unmutated as equivalent: a `# pragma: no mutate` or a `do_not_mutate_patterns` match."""
    return sum(1 for line in source.splitlines() if PRAGMA in line or any(p.search(line) for p in patterns))


def _time_limits_by_cpu() -> None:
    """Judge a mutant's tests by the CPU time they use, not by the wall clock.

    mutmut ends a mutant's run after a wall-clock limit (and a CPU-time limit twice as long), both
    scaled from the tests' measured time. Under `nice -n 19` on shared cores a run that would
    pass can wait minutes for the CPU, so the wall-clock limit ended survivors and counted them
    as timeouts (which score as caught). CPU time does not grow with the load, so only the CPU
    limit, `(tests' time + timeout_constant) × timeout_multiplier × 2` seconds, ends a mutant
    that spins; one that hangs without spinning (an await nobody wakes) is failed by
    pytest-timeout's per-test limit (`--timeout` in pytest_add_cli_args), which counts as caught.
    The wall-clock limit stays, far out, for a run that neither spins nor reaches a test.
    """
    from mutmut.workers import isolation
    from mutmut.workers.timeout import register_timeout

    def register_far_out(pid: int, timeout_s: float) -> None:
        register_timeout(pid, timeout_s * WALL_CLOCK_SLACK)

    # The runners call the name they imported from mutmut.workers.timeout.
    vars(isolation)["register_timeout"] = register_far_out


def _worker(module: str, tests: list[str], jobs: int, result_file: Path) -> None:
    """Run mutmut on one module (in this process, which exits afterwards) and save its verdicts."""
    os.chdir(ROOT)
    shutil.rmtree("mutants", ignore_errors=True)
    path = f"flick_async/{module}.py"

    # mutmut reads one configuration from pyproject.toml; narrowing it to one module and that
    # module's tests is what makes a run per module possible without one pyproject per module.
    from mutmut import configuration

    configuration._config = dataclasses.replace(
        configuration.config(), only_mutate=[path], pytest_add_cli_args_test_selection=list(tests)
    )
    # Each test once: on asyncio and AsyncFlick only (scripts/mutation_select.py says why).
    sys.path.insert(0, str(ROOT / "scripts"))
    os.environ["PYTEST_PLUGINS"] = "mutation_select"
    _time_limits_by_cpu()
    from mutmut.__main__ import _run
    from mutmut.mutation.data import SourceFileMutationData
    from mutmut.mutation.diff_apply import get_diff_for_mutant
    from mutmut.stats import status_by_exit_code

    _run([], jobs)
    data = SourceFileMutationData(path=Path(path))
    data.load()
    statuses = {name: status_by_exit_code[code] for name, code in data.exit_code_by_key.items()}
    diffs = {
        name: get_diff_for_mutant(name, path=Path(path))
        for name, status in statuses.items()
        if status not in KILLED and status != "timeout"
    }
    result_file.write_text(json.dumps({"statuses": statuses, "diffs": diffs}, indent=1), "utf-8")


def _cpu_seconds() -> float:
    """CPU time used by this process's finished children (the worker and every mutant it forked)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run_module(module: str, tests: list[str], jobs: int) -> dict[str, Any]:
    OUT.mkdir(exist_ok=True)
    result_file = OUT / f"{module}.json"
    result_file.unlink(missing_ok=True)
    log = OUT / f"{module}.log"
    with log.open("w", encoding="utf-8") as out:
        command = [sys.executable, __file__, "--worker", module, "--jobs", str(jobs), "--result", str(result_file)]
        code = subprocess.call(
            [*command, "--tests", *tests],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    if code != 0 or not result_file.exists():
        sys.exit(f"mutmut failed on {module} (exit {code}); see {log}")
    result: dict[str, Any] = json.loads(result_file.read_text("utf-8"))
    return result


def _row(module: str, statuses: dict[str, str], excluded: int, seconds: float, cpu: float) -> tuple[list[str], float]:
    counts = {s: sum(1 for v in statuses.values() if v == s) for s in set(statuses.values())}
    killed = sum(counts.get(s, 0) for s in KILLED)
    timeout = counts.get("timeout", 0)
    skipped = counts.get("skipped", 0)
    tested = len(statuses) - skipped
    score = 100.0 * (killed + timeout) / tested if tested else 100.0
    other = tested - killed - timeout - counts.get("survived", 0)
    cells = [module, str(len(statuses)), str(killed), str(counts.get("survived", 0)), str(timeout), str(other)]
    return [*cells, str(excluded), f"{score:.1f}%", f"{seconds:.0f}s", f"{cpu:.0f}s"], score


def _recheck(module: str, tests: list[str]) -> None:
    """Run the survivors of `module`'s last run again, against today's copy of `tests`.

    A full run of a module takes many minutes; after writing tests for its survivors, this
    re-tries only those mutants, each against the given tests (say, the new files only: the
    others already let them through), in the `mutants/` directory the run left (the source
    under test is the run's; the tests are copied in again). The run's verdict file is updated,
    so the next full run is the one to quote; this one says which survivors the new tests kill.
    """
    result_file = OUT / f"{module}.json"
    mutants = ROOT / "mutants"
    if not result_file.exists() or not (mutants / "flick_async").is_dir():
        sys.exit(f"no finished run of {module} to recheck: run --modules {module} first")
    from mutmut.stats import status_by_exit_code

    result: dict[str, Any] = json.loads(result_file.read_text("utf-8"))
    survivors = sorted(name for name, status in result["statuses"].items() if status == "survived")
    shutil.copytree(ROOT / "tests", mutants / "tests", dirs_exist_ok=True)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(mutants), str(ROOT / "scripts")]),
        "PYTEST_PLUGINS": "mutation_select",
        "PY_IGNORE_IMPORTMISMATCH": "1",
    }
    args = ["--rootdir=.", *_mutmut_settings().get("pytest_add_cli_args", []), "-x", "-p", "no:randomly", *tests]
    # Like mutmut's clean run: the tests must pass on the run's own code, or every mutant would "fail"
    # them (a test of a fix made after the run fails on the code the run mutated).
    if subprocess.call([sys.executable, "-m", "pytest", *args], cwd=mutants, env=env) != 0:
        sys.exit("the tests given fail on the code of the last run (with no mutant): recheck cannot judge by them")
    killed = []
    for name in survivors:
        code = subprocess.call(
            [sys.executable, "-m", "pytest", *args],
            cwd=mutants,
            env={**env, "MUTANT_UNDER_TEST": name},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # 2 (interrupted), 4 (bad arguments) and 5 (no tests ran) say nothing about the mutant.
        if code in (2, 4, 5):
            sys.exit(f"pytest exited {code} on {name}, which judges no mutant: check the tests given")
        status = status_by_exit_code[code]  # mutmut's own reading: 1 or 3 killed, a signal a crash
        if status != "survived":
            killed.append(name)
            result["statuses"][name] = status
            # Saved as it goes: a recheck stopped part-way keeps what it found.
            result_file.write_text(json.dumps(result, indent=1), "utf-8")
        print(f"{status:<8} {name}", flush=True)
    statuses: dict[str, str] = result["statuses"]
    tested = sum(1 for status in statuses.values() if status != "skipped")
    caught = sum(1 for status in statuses.values() if status in KILLED or status == "timeout")
    print(f"\n{len(killed)} of {len(survivors)} survivors of {module} no longer survive {' '.join(tests)}")
    score = f"{100.0 * caught / tested:.1f}%" if tested else "no mutant tested"
    print(f"{module}: {caught} of {tested} mutants caught, {score}")


def main() -> None:
    settings = _settings()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--modules", help="comma-separated core modules (default: all), e.g. _retry,_errors")
    parser.add_argument("--jobs", type=int, default=1, help="mutants tested at once (default 1)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    parser.add_argument(
        "--recheck",
        metavar="MODULE",
        help="re-test the survivors of MODULE's last run against --tests (default: its own)",
    )
    parser.add_argument("--tests", nargs="*", default=[], help="with --recheck: the test files to use")
    args = parser.parse_args()
    if args.worker:
        _worker(args.worker, args.tests, args.jobs, args.result)
        return
    if args.recheck:
        _recheck(args.recheck, args.tests or settings["modules"][args.recheck])
        return

    known: dict[str, list[str]] = settings["modules"]
    patterns = [re.compile(p) for p in _mutmut_settings().get("do_not_mutate_patterns", [])]
    modules = [m.strip() for m in args.modules.split(",") if m.strip()] if args.modules else list(known)
    unknown = [m for m in modules if m not in known]
    if unknown:
        sys.exit(f"not a core module: {', '.join(unknown)} (choose from {', '.join(known)})")

    header = ["module", "mutants", "killed", "survived", "timeout", "other", "excl.", "score", "time", "cpu"]
    rows: list[list[str]] = []
    survivors: list[tuple[str, str, str]] = []
    failing: list[str] = []
    started, cpu_total = time.monotonic(), 0.0
    for module in modules:
        print(f"== {module}: mutants against {' '.join(known[module])}", flush=True)
        t0, cpu0 = time.monotonic(), _cpu_seconds()
        result = _run_module(module, known[module], args.jobs)
        seconds, cpu = time.monotonic() - t0, _cpu_seconds() - cpu0
        cpu_total += cpu
        source = (ROOT / "flick_async" / f"{module}.py").read_text("utf-8")
        row, score = _row(module, result["statuses"], _excluded_lines(source, patterns), seconds, cpu)
        rows.append(row)
        print("   " + "  ".join(f"{h}={c}" for h, c in zip(header[1:], row[1:], strict=True)), flush=True)
        if score < settings["fail_under"]:
            failing.append(module)
        survivors += [(name, result["statuses"][name], diff) for name, diff in sorted(result["diffs"].items())]

    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    print()
    for r in [header, ["-" * w for w in widths], *rows]:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |")
    print(f"\nwall time {time.monotonic() - started:.0f}s with --jobs {args.jobs}; CPU time {cpu_total:.0f}s")
    print("time = wall clock (grows with the machine's load); cpu = CPU seconds of the module's run (it does not)")
    print("other = no tests reach it, suspicious or segfault; excl. = lines left unmutated as equivalent")
    if survivors:
        print(f"\n{len(survivors)} mutants not killed:")
        for name, status, diff in survivors:
            print(f"\n--- {name} ({status})")
            print("\n".join(line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")))
    if failing:
        sys.exit(f"\nbelow {settings['fail_under']}%: {', '.join(failing)}")


if __name__ == "__main__":
    main()
