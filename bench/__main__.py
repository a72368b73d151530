"""Run the benchmarks and write their figures into docs/benchmarks.md.

`python -m bench` runs them all; `python -m bench checks incidents` runs some. Each module
`bench/bench_<name>.py` has `run() -> str` returning a Markdown section, which replaces the section
between `<!-- bench:<name> -->` and `<!-- /bench:<name> -->` in docs/benchmarks.md.
"""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "benchmarks.md"


def available() -> list[str]:
    return sorted(p.stem.removeprefix("bench_") for p in (ROOT / "bench").glob("bench_*.py"))


def record(name: str, section: str) -> None:
    text = REPORT.read_text("utf-8") if REPORT.exists() else "# Benchmarks\n"
    block = f"<!-- bench:{name} -->\n{section.strip()}\n<!-- /bench:{name} -->"
    pattern = re.compile(rf"<!-- bench:{name} -->.*?<!-- /bench:{name} -->", re.S)
    text = (
        pattern.sub(lambda _: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
    )
    REPORT.write_text(text, "utf-8")


def main(argv: list[str]) -> int:
    names = argv or available()
    unknown = set(names) - set(available())
    if unknown:
        print(f"unknown benchmark(s): {', '.join(sorted(unknown))}; available: {', '.join(available())}")
        return 2
    for name in names:
        print(f"== bench {name}", flush=True)
        section = importlib.import_module(f"bench.bench_{name}").run()
        print(section, flush=True)
        record(name, section)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
