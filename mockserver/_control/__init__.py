"""The control plane: stubs, faults, scenario files, the journal, the admin API, rate limits and journal assertions."""
