#!/usr/bin/env python3
"""Pretty-prints JSON the way Protocol/README.md shows it: objects and arrays that fit on one
line (<= WIDTH characters) stay on one line, key order is kept, big integers stay exact and
non-ASCII text is left readable. Reads standard input, writes standard output."""
import json
import sys

WIDTH = 100


def inline(value):
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


# Change sets read best in the order the document explains their fields.
ORDER = ["format", "protocol", "schema", "hlc0", "sites", "rows", "source", "t", "k", "l", "h", "s", "m", "c", "x"]


def ordered(value):
    if isinstance(value, dict):
        if any(k in value for k in ("format", "hlc0")) or {"t", "k", "l"} <= value.keys():
            keys = [k for k in ORDER if k in value] + [k for k in value if k not in ORDER]
            return {k: ordered(value[k]) for k in keys}
        return {k: ordered(v) for k, v in value.items()}
    if isinstance(value, list):
        return [ordered(v) for v in value]
    return value


def render(value, indent=0):
    flat = inline(value)
    if len(flat) + indent <= WIDTH or not isinstance(value, (dict, list)) or not value:
        return flat
    pad = " " * (indent + 2)
    if isinstance(value, dict):
        items = []
        for k, v in value.items():
            key = json.dumps(k, ensure_ascii=False)
            # The value starts after "key: " but continues at this object's item indentation.
            flat_item = inline(v)
            if len(flat_item) + indent + 2 + len(key) + 2 <= WIDTH:
                items.append(f"{pad}{key}: {flat_item}")
            else:
                items.append(f"{pad}{key}: {render(v, indent + 2)}")
        return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"
    items = [pad + render(v, indent + 2) for v in value]
    return "[\n" + ",\n".join(items) + "\n" + " " * indent + "]"


if __name__ == "__main__":
    print(render(ordered(json.loads(sys.stdin.read()))))
