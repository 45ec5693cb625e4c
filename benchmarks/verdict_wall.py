"""Where a clear reference-mode verdict's wall time goes: the whole pytest process of an unchanged
model (A/A, gate_quality's base model), run in turns with different extra pytest arguments, so
that drift hits every variant alike. Prints each variant's median and max wall time, its ratio
to the first variant's median, and its verdicts and median "sees".

    python benchmarks/verdict_wall.py --rounds 10 \\
        --variant 'default=' \\
        --variant 'no hypothesis=-p no:hypothesispytest' \\
        --variant 'no hypothesis, 0.5 s rounds=-p no:hypothesispytest --ov-time 0.5'

A variant is ``label=extra pytest arguments``. Run by hand on a quiet machine; figures in
docs/validation.md.
"""

from __future__ import annotations

import argparse
import shlex
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gate_quality import (
    base_model,
    copy_model,
    pytest_command,
    read_check,
    run_pytest,
    save,
    write_project,
)

from pytest_ovbench.runtime.environment import environment_key


def variant(text: str) -> tuple[str, list[str]]:
    label, sep, extra = text.partition("=")
    if not sep or not label.strip():
        raise argparse.ArgumentTypeError(f"{text!r}: expected label=extra pytest arguments")
    return label.strip(), shlex.split(extra)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=10, help="checks per variant, taken in turns (10)")
    parser.add_argument("--variant", type=variant, action="append", required=True, help="label=args")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    import openvino as ov

    print(f"hardware class: {environment_key(ov.Core(), 'CPU')}")
    walls: dict[str, list[float]] = {label: [] for label, _ in args.variant}
    verdicts: dict[str, list[str]] = {label: [] for label, _ in args.variant}
    sees: dict[str, list[float]] = {label: [] for label, _ in args.variant}
    with tempfile.TemporaryDirectory(prefix="ovbench-wall-") as name:
        folder = Path(name)
        base = save(base_model(), folder / "base.xml")
        write_project(folder, base)
        copy_model(base, folder / "model.xml")
        for index in range(args.rounds):
            order = args.variant if index % 2 == 0 else list(reversed(args.variant))
            for label, extra in order:
                done, wall, _ = run_pytest(pytest_command("test_reference.py", extra), folder)
                check = read_check("reference", "A/A", index, done)
                walls[label].append(wall)
                verdicts[label].append(check.verdict)
                if check.sees is not None:
                    sees[label].append(check.sees)
                step = f"[{index + 1}/{args.rounds}]"
                print(f"  {step} {label:36} {check.verdict:12} {wall:5.1f} s", flush=True)
    first = statistics.median(walls[args.variant[0][0]])
    print(f"\n{'variant':40} {'median s':>8} {'max s':>6} {'ratio':>6}  verdicts, median sees")
    for label, _ in args.variant:
        median = statistics.median(walls[label])
        counts = ", ".join(f"{v} {verdicts[label].count(v)}" for v in sorted(set(verdicts[label])))
        seen = f"{statistics.median(sees[label]):.1%}" if sees[label] else "-"
        print(f"{label:40} {median:8.2f} {max(walls[label]):6.1f} {median / first:6.2f}  {counts}, {seen}")


if __name__ == "__main__":
    main()
