"""A fake Labelbox: the GraphQL and REST API the Labelbox SDK speaks, served from memory (or a SQLite file).

Start with :class:`fake_labelbox.testing.FakeLabelbox`; the package map is in this folder's README.md.
"""

DEFAULT_API_KEY = "fake-labelbox-api-key"
