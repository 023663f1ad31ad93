"""The real tweet file for tests that need it: ``$ALREPRO_SENTIMENT140`` (CI sets it), else those tests skip."""

import os
from pathlib import Path

import pytest

TWEETS = os.environ.get("ALREPRO_SENTIMENT140")


def needs_tweets(f):
    """Mark a test that reads the real sample; skip it with a clear reason when it is not available."""
    f = pytest.mark.needs_tweets(f)
    return pytest.mark.skipif(
        not TWEETS or not Path(TWEETS).is_file(),
        reason="needs the Sentiment140 sample: set ALREPRO_SENTIMENT140 to it (CI does)",
    )(f)
