"""Small pure checks on text that any layer applies to what a client sends."""

NUL = "\x00"


def contains_nul(value) -> bool:
    """True when a string, or any key or value of nested dicts and lists, holds a NUL
    character (PostgreSQL can neither store nor compare such text)."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(contains_nul(v) for v in value)
    return False
