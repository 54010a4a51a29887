"""``mockserver verify``: the provider contract as a command, and consumer-driven contracts.

target.py sends requests within a budget; properties.py states what a provider must
answer (profile-exact); runner.py runs them with Hypothesis outside pytest; consumer.py
records what a client's tests relied on and replays it; command.py is the command line.
"""
