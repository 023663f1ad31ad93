"""Labelbox's own integration tests (the labelbox sdist's ``tests/``) run against the fake: ``nox -s sdk_suite``."""
