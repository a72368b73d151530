"""Guards on the project's own source (ASVS 1.3.3, 1.5.1, 1.5.2): programs are never run through a
shell, nothing is unpickled, and no XML parser is used. The one XML the product reads is nmap's own
report, parsed by python-nmap with the standard library's expat, which fetches no external entity."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = (ROOT / "cyberreponse", ROOT / "checks")
UNSAFE_MODULES = {"pickle", "cPickle", "dill", "jsonpickle", "marshal", "shelve", "yaml", "xml", "lxml"}


def _modules() -> Iterator[tuple[Path, ast.Module]]:
    for source in SOURCES:
        for path in sorted(source.rglob("*.py")):
            yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def test_no_program_is_run_through_a_shell() -> None:
    offenders = []
    for path, tree in _modules():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            shell = any(
                k.arg == "shell" and not (isinstance(k.value, ast.Constant) and k.value.value is False)
                for k in node.keywords
            )
            name = ast.unparse(node.func)
            if shell or name in (
                "os.system",
                "os.popen",
                "subprocess.getoutput",
                "subprocess.getstatusoutput",
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    assert offenders == []


def test_nothing_is_unpickled_or_parsed_as_xml() -> None:
    offenders = []
    for path, tree in _modules():
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                if name.split(".")[0] in UNSAFE_MODULES:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    assert offenders == []


def test_the_guards_see_the_sources() -> None:
    """The walk above covers the real packages (an empty walk would pass anything)."""
    paths = {path.relative_to(ROOT).as_posix() for path, _tree in _modules()}
    assert {"cyberreponse/web/auth.py", "checks/ports/nmap_scan.py", "cyberreponse/jobs/store.py"} <= paths


def test_no_sql_is_built_by_formatting_strings() -> None:
    """ASVS 1.2.4: raw SQL (`text(...)`, `exec_driver_sql`) only from literals, values bound as parameters."""
    offenders = []
    for path, tree in _modules():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            name = ast.unparse(node.func)
            raw_sql = name in ("text", "sa.text", "sqlalchemy.text") or name.endswith(".exec_driver_sql")
            if raw_sql and not isinstance(node.args[0], ast.Constant):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {ast.unparse(node)}")
    assert offenders == []
