"""The labelbox sdist whose ``tests/`` the suite runs: downloaded once with pip, checked, unpacked into a cache."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tarfile
from pathlib import Path

VERSION = "7.17.0"
SHA256 = "0714b355a4398d4d2fc6be54e9989331c3cedf0dc79ddd378514ecfd72894752"
ARCHIVE = f"labelbox-{VERSION}.tar.gz"
CACHE = Path(__file__).resolve().parents[2] / ".sdk_suite"  # ignored by git


def sdist_root(cache: Path = CACHE) -> Path:
    """The unpacked sdist (``cache/labelbox-VERSION``), downloading and unpacking it when not there yet."""
    root = cache / f"labelbox-{VERSION}"
    if (root / "tests" / "conftest.py").exists():
        return root
    cache.mkdir(parents=True, exist_ok=True)
    archive = cache / ARCHIVE
    if not archive.exists():
        print(f"downloading the labelbox=={VERSION} sdist into {cache}", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                        f"labelbox=={VERSION}", "-d", str(cache)], check=True)
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    if digest != SHA256:
        archive.unlink()
        raise SystemExit(f"error: {archive.name} has sha256 {digest}, expected {SHA256} (deleted; run again)")
    with tarfile.open(archive) as tar:
        tar.extractall(cache, filter="data")
    return root
