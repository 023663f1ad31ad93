"""Embedding jobs without a model: the subset a check recomputes, and the import direction."""

import ast
from pathlib import Path

import numpy as np

from alrepro.embedding_jobs import subset_indices


def test_subset_indices():
    assert list(subset_indices(10, None)) == list(range(10))
    s = subset_indices(8000, 500)
    assert len(s) == 500 and s[0] == 0 and s[-1] == 7999 and np.all(np.diff(s) > 0)


def _alrepro_imports(module) -> set[str]:
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    names = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    names |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    return {n for n in names if n.startswith("alrepro")}


def test_imports_run_one_way():
    """jobs -> cache -> embed, never back (no import cycle, even a lazy one)."""
    from alrepro import embed, embedding_cache, embedding_jobs

    assert {"alrepro.embed", "alrepro.embedding_cache"} <= _alrepro_imports(embedding_jobs)
    assert "alrepro.embedding_jobs" not in _alrepro_imports(embedding_cache)
    assert not {"alrepro.embedding_cache", "alrepro.embedding_jobs"} & _alrepro_imports(embed)
