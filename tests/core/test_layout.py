"""The house rules, checked on the source: stages import only earlier stages, no cycles, no
sys.path edits, contract constants defined once, modules small.

What it is: a static reading (ast) of every module of the package, top-level and deferred
imports alike. What it isn't: a style linter.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from helpers.clirun import REPO

# folder -> the package name it installs as; order = the data flow
STAGES = {"mnist_edge": "mnist_edge", "train": "mnist_edge.train", "export": "mnist_edge.export",
          "bench": "mnist_edge.bench"}
RANK = {"core": 0, "train": 1, "export": 2, "bench": 3}
# The command table is the one place that ties every stage together (it runs last, deferring
# each stage's import into its command), so it may name them all.
COMPOSITION_ROOT = "mnist_edge.cli.app"
MAX_LINES = 300


def modules() -> dict[str, Path]:
    found = {}
    for folder, package in STAGES.items():
        for path in sorted((REPO / folder).rglob("*.py")):
            rel = path.relative_to(REPO / folder).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            found[".".join([package, *parts])] = path
    return found


def stage_of(module: str) -> str:
    for stage in ("train", "export", "bench"):
        if module == f"mnist_edge.{stage}" or module.startswith(f"mnist_edge.{stage}."):
            return stage
    return "core"


def imports_of(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return {n for n in names if n.startswith("mnist_edge")}


def test_stages_import_only_earlier_stages_and_the_core():
    mods = modules()
    for name, path in mods.items():
        if name == COMPOSITION_ROOT:
            continue
        for imported in imports_of(path):
            if imported in mods or imported.rsplit(".", 1)[0] in mods:
                assert RANK[stage_of(imported)] <= RANK[stage_of(name)], f"{name} imports {imported}"


def test_no_import_cycles_between_modules():
    mods = modules()
    graph = {name: {i if i in mods else i.rsplit(".", 1)[0] for i in imports_of(path)} & set(mods)
             for name, path in mods.items()}
    for name in graph:  # packages' __init__ are entered by every submodule import: not edges back
        graph[name] = {m for m in graph[name] if m != name and not name.startswith(m + ".")}
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in graph[node]:
            assert state.get(nxt) != 1, "import cycle: " + " -> ".join(trail + [node, nxt])
            if nxt not in state:
                visit(nxt, trail + [node])
        state[node] = 2

    for name in graph:
        if name not in state:
            visit(name, [])


def test_no_sys_path_edits_and_small_modules():
    for path in [*modules().values(), *(REPO / "tests").rglob("*.py"), *(REPO / "scripts").rglob("*.py")]:
        text = path.read_text()
        if path == Path(__file__):
            continue
        assert "sys.path.insert" not in text and "sys.path.append" not in text, path
        if path.is_relative_to(REPO / "tests"):
            continue
        assert text.count("\n") <= MAX_LINES, f"{path}: {text.count(chr(10))} lines"


def test_contract_constants_are_defined_once():
    literals = ['"mnist_cnn.onnx"', '"mnist_cnn.int8.onnx"', '"model_card.json"', '"MODEL_CARD.md"',
                '"logits"', "0.1307", "0.3081"]
    for path in modules().values():
        if path.name == "contract.py":
            continue
        text = path.read_text()
        for literal in literals:
            assert not re.search(rf"^\s*\w+\s*=.*{re.escape(literal)}", text, re.M), (path, literal)
