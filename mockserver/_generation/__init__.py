"""Generation: a request and a seed in, a completion out (engine, tokens, text, instances of user schemas, rendering, recorded fixtures)."""
