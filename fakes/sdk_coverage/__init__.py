"""Which public labelbox SDK methods the fake serves, measured by tracing the SDK while tests run against it."""
