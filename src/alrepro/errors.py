"""The one exception type the CLI turns into a clear message instead of a traceback."""


class AlreproError(Exception):
    """A problem with the user's input or environment, worded for the user."""
