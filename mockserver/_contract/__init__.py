"""The contract: schemas and the validation derived from them, the rules JSON Schema cannot say, SSE framing, folding, profiles and error texts."""
