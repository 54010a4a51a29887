"""The `mockserver` command line: serve, record, drift, validate, verify, conform; above every other subpackage."""
