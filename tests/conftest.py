"""Options shared by the whole suite."""


def pytest_addoption(parser):
    group = parser.getgroup("labelbox contract tests")
    group.addoption(
        "--labelbox-live",
        action="store_true",
        help="run tests/contract against Labelbox itself (needs LABELBOX_API_KEY); also ALREPRO_LABELBOX_LIVE=1",
    )
    group.addoption(
        "--labelbox-snapshot-update",
        action="store_true",
        help="record the normalised response shapes into tests/contract/snapshots/ instead of comparing",
    )
