"""The fake's imports run one way (see fakes/fake_labelbox/README.md): errors <- models <- resolvers <- handlers <- app."""

from __future__ import annotations

import ast
from pathlib import Path

import fake_labelbox
import pytest

ROOT = Path(fake_labelbox.__file__).parent


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, bool]]:
    """The fake's modules ``path`` imports, each with whether it is imported only for type hints."""
    package = _module(path) if path.name == "__init__.py" else _module(path).rpartition(".")[0]
    tree = ast.parse(path.read_text())
    typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                   and getattr(node.test, "id", "") == "TYPE_CHECKING" for n in ast.walk(node)}
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            name = ".".join(p for p in (base, node.module or "") if p)
            names = [f"{name}.{a.name}" for a in node.names] if not node.module else [name]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        out += [(n, id(node) in typing_only) for n in names if n.startswith("fake_labelbox")]
    return out


MODULES = {_module(p): p for p in ROOT.rglob("*.py")}
ALLOWED = {  # a module's package (or the module) -> the fake's modules it may import
    "fake_labelbox.errors": (),
    "fake_labelbox.web": (),
    "fake_labelbox.models": ("fake_labelbox.models", "fake_labelbox.errors"),
    "fake_labelbox.resolvers": ("fake_labelbox.resolvers", "fake_labelbox.models", "fake_labelbox.errors"),
}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_run_one_way(name):
    rule = next((v for k, v in ALLOWED.items() if name == k or name.startswith(k + ".")), None)
    for imported, typing_only in _imports(MODULES[name]):
        if rule is not None:
            assert any(imported == a or imported.startswith(a + ".") for a in rule), (name, imported)
        if imported == "fake_labelbox.app" and not typing_only:
            assert name in ("fake_labelbox.cli", "fake_labelbox.testing"), (name, "builds the app")
