"""What the pytest plugin does, importable and testable without pytest's hooks: the
marker's typed options (options.py), the checks at a test's end (teardown.py) and a test's
cassette (cassettes.py). ``mockserver/pytest_plugin.py`` holds the hooks and fixtures."""
