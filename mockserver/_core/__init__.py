"""The pipeline every request passes through, and what adapters exchange with it."""
