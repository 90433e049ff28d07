"""python -m tests.conformance [--all | --subset] [--family NAME ...] [--write PATH]

Runs the cases (the subset marked for `make test`, or --all), prints one line per case and the
totals, writes the report (docs/CONFORMANCE.md) when asked, and exits 1 on any failure."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from .report import markdown
from .runner import FAILURE, FAMILIES, family_cases, run_family, totals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.conformance")
    parser.add_argument("--all", action="store_true", help="every case (default: the subset)")
    parser.add_argument("--family", action="append", choices=sorted(FAMILIES))
    parser.add_argument("--write", help="write the markdown report there")
    args = parser.parse_args(argv)
    start, results = time.monotonic(), []
    with tempfile.TemporaryDirectory(prefix="conformance-") as workdir:
        for family in args.family or list(FAMILIES):
            cases = [c for c in family_cases(family) if args.all or c.subset]
            print(f"{family}: {len(cases)} cases", flush=True)
            family_start = time.monotonic()
            done = run_family(family, cases, Path(workdir))
            for r in done:
                print(f"  {r.result:14} {r.case}  {r.reason[:300]}", flush=True)
            print(
                f"  {family}: {totals(done)} in {time.monotonic() - family_start:.0f} s", flush=True
            )
            results += done
    elapsed = time.monotonic() - start
    counts = totals(results)
    print(f"TOTAL: {counts} in {elapsed:.0f} s")
    if args.write:
        Path(args.write).write_text(markdown(results, elapsed, args.all))
    return 1 if counts[FAILURE] else 0


if __name__ == "__main__":
    sys.exit(main())
