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


def nesting_exceeds(value, max_depth: int) -> bool:
    """True when arrays and objects nest deeper than `max_depth` (a scalar is depth 0).
    Iterative: a document nested 1,000 levels costs no recursion."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > max_depth:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False
