"""Cassettes: real exchanges recorded by ``mockserver record``, replayed as stubs, checked
for drift. A cassette is a scenario file (``schemas/stubs.json``) whose stubs carry what was
recorded (``recorded``), so one loader serves ``--stubs``, ``--cassettes`` and the admin API."""
