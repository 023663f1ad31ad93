"""Where alrepro finds its committed data and the user's tweets."""

from __future__ import annotations

import os
from pathlib import Path

TWEETS_ENV = "ALREPRO_SENTIMENT140"
DATA_ENV = "ALREPRO_DATA_DIR"
CACHE_ENV = "ALREPRO_CACHE_DIR"


def repo_root() -> Path:
    """The checkout this package runs from (an editable install, or any install in a virtual environment inside the
    clone), else the working directory."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file() and (parent / "data").is_dir():
            return parent
    return Path.cwd()


def data_dir() -> Path:
    """The committed ``data/`` folder (ids, labels, checksums, embeddings)."""
    env = os.environ.get(DATA_ENV)
    return Path(env) if env else repo_root() / "data"


def data_dir_search() -> str:
    """Where :func:`data_dir` looks, in order (for error messages)."""
    return f"${DATA_ENV}, else the alrepro checkout the package runs from, else data/ in the working directory"


def figures_dir() -> Path:
    return repo_root() / "figures"


def tweets_path(override: str | os.PathLike[str] | None = None) -> Path | None:
    """The Sentiment140 file: ``--tweets`` if given, else ``$ALREPRO_SENTIMENT140``, else None."""
    value = override if override is not None else os.environ.get(TWEETS_ENV)
    return Path(value) if value else None


def cache_dir() -> Path:
    """Where computed files that are not committed go (other data sets' embeddings): ``$ALREPRO_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/alrepro``, else ``~/.cache/alrepro``."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "alrepro"
