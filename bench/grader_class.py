#!/usr/bin/env python3
"""Times the grader on a class of 10 copies, side by side with one plain `cargo test`.

    cargo build -p grader && python3 bench/grader_class.py [ROUNDS]

The class: the starter, the reference, and 8 copies of the reference with one wrong
answer each (from grader/tests/wrong_answers.toml, 8 different exercises). Builds are
warm (one check-all runs first); remembered verdicts are cleared before every timed
run, so every distinct answer is built and run again. Each round times, in turn: the
whole class, one copy (a wrong answer), and `cargo test --workspace` of the reference.
Prints each round and the medians as JSON lines.

    python3 bench/grader_class.py --against DIR [ROUNDS]

DIR is another checkout of the workspace (an earlier commit, as a git worktree) with
its grader built. Each round times the same class (each built from its own reference)
graded by both graders, back to back, the order alternating from round to round, each
with its own warm work tree; it prints both times and their ratio (this one / DIR's).
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GRADER = ROOT / "target/debug/grader"
VERDICTS = ROOT / "target/grader/verdicts"


def copy_reference(to: Path, root: Path = ROOT) -> None:
    files = subprocess.run(
        ["git", "ls-files"], cwd=root, check=True, capture_output=True, text=True
    ).stdout.split()
    for name in files:
        if name.startswith("grader/tests/"):
            continue
        target = to / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(root / name, target)


def make_class(class_dir: Path, root: Path = ROOT) -> None:
    grader = root / "target/debug/grader"
    subprocess.run([grader, "starter", class_dir / "00-starter"], check=True, capture_output=True)
    copy_reference(class_dir / "01-reference", root)
    wrong = tomllib.loads((root / "grader/tests/wrong_answers.toml").read_text())["wrong"]
    seen = set()
    for answer in wrong:
        if answer["exercise"] in seen or len(seen) == 8:
            continue
        seen.add(answer["exercise"])
        copy = class_dir / f"{len(seen) + 1:02d}-wrong-{answer['exercise']}"
        copy_reference(copy, root)
        path = copy / answer["file"]
        text = path.read_text()
        assert text.count(answer["find"]) == 1, answer["what"]
        path.write_text(text.replace(answer["find"], answer["replace"], 1))


def timed(command, **kwargs) -> float:
    started = time.monotonic()
    subprocess.run(command, check=False, capture_output=True, **kwargs)
    return time.monotonic() - started


def against(other: Path, rounds: int) -> None:
    """Both graders on a class of 10, side by side: see the module's doc."""
    # The grader before the sandbox runs cargo with rustc from PATH: rustup's proxy,
    # which, run by a build script in a crate's own folder, may pick that crate's
    # toolchain file (seen: 1.83.0, not installed, and every build failed). Name ours.
    active = subprocess.run(
        ["rustup", "show", "active-toolchain"], capture_output=True, text=True
    ).stdout.split()
    if active and "RUSTUP_TOOLCHAIN" not in os.environ:
        os.environ["RUSTUP_TOOLCHAIN"] = active[0]
    with tempfile.TemporaryDirectory() as tmp:
        sides = {}
        for name, root in (("before", other), ("after", ROOT)):
            class_dir = Path(tmp) / name
            make_class(class_dir, root)
            out = ["--csv", Path(tmp) / f"{name}.csv", "--json", Path(tmp) / f"{name}.json"]
            command = [root / "target/debug/grader", "check-all", *out, class_dir]
            sides[name] = (command, root / "target/grader/verdicts")
            subprocess.run(command, capture_output=True)  # warm its work tree
        results = []
        for index in range(rounds):
            order = ["before", "after"] if index % 2 == 0 else ["after", "before"]
            seconds = {}
            for name in order:
                command, verdicts = sides[name]
                shutil.rmtree(verdicts, ignore_errors=True)
                seconds[name] = timed(command)
            row = {
                "round": index + 1,
                "first": order[0],
                "class_before_s": round(seconds["before"], 1),
                "class_after_s": round(seconds["after"], 1),
                "after_vs_before": round(seconds["after"] / seconds["before"], 2),
            }
            results.append(row)
            print(json.dumps(row), flush=True)
        medians = {
            key: statistics.median(r[key] for r in results)
            for key in ("class_before_s", "class_after_s", "after_vs_before")
        }
        print(json.dumps({"medians_of_rounds": rounds, **medians}))


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--against":
        against(Path(sys.argv[2]).resolve(), int(sys.argv[3]) if len(sys.argv) > 3 else 3)
        return
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    with tempfile.TemporaryDirectory() as tmp:
        class_dir = Path(tmp) / "class"
        make_class(class_dir)
        copies = sorted(class_dir.iterdir())
        assert len(copies) == 10, copies
        one_copy = copies[2]
        out = ["--csv", Path(tmp) / "g.csv", "--json", Path(tmp) / "g.json"]
        # Warm the work tree's build.
        subprocess.run([GRADER, "check-all", *out, class_dir], capture_output=True)
        results = []
        for index in range(rounds):
            shutil.rmtree(VERDICTS, ignore_errors=True)
            class_seconds = timed([GRADER, "check-all", *out, class_dir])
            shutil.rmtree(VERDICTS, ignore_errors=True)
            copy_seconds = timed([GRADER, "check", one_copy])
            cargo_test_seconds = timed(
                ["cargo", "test", "--workspace", "--locked"],
                cwd=ROOT,
                env={**os.environ, "LESSON_E2E_BROKERS": ""},
            )
            row = {
                "round": index + 1,
                "class_of_10_s": round(class_seconds, 1),
                "per_copy_in_class_s": round(class_seconds / 10, 1),
                "one_copy_s": round(copy_seconds, 1),
                "cargo_test_s": round(cargo_test_seconds, 1),
                "one_copy_vs_cargo_test": round(copy_seconds / cargo_test_seconds, 2),
                "class_vs_cargo_test": round(class_seconds / cargo_test_seconds, 2),
            }
            results.append(row)
            print(json.dumps(row), flush=True)
        medians = {
            key: statistics.median(r[key] for r in results)
            for key in results[0]
            if key != "round"
        }
        print(json.dumps({"medians_of_rounds": rounds, **medians}))


if __name__ == "__main__":
    main()
