"""alrepro: Labelbox's 2020 active-learning tutorial, reproduced offline and checked honestly."""

__version__ = "0.1.0"
