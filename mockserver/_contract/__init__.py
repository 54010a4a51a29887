"""The contract: schemas and the validation derived from them, the rules JSON Schema cannot
say, SSE framing, folding, profiles and error texts. Also the ground floor's shared words:
the reply types of stubs (replies.py), JSON in and out (strict_json.py, jsonio.py) and
regular expressions with a timeout (timed_regex.py)."""
