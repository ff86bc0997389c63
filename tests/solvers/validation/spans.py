"""The JSON value a finding's location path names, to compare its span with the location's."""
from __future__ import annotations

from solvers.jsonspan import JArray, JObject, parse_json


def node_at(text: str, path: list[dict]):
    node = parse_json(text)
    for step in path:
        if "index" in step:
            assert isinstance(node, JArray)
            node = node.items[step["index"]]
        else:
            assert isinstance(node, JObject)
            node = node.get(step["value"])
            assert node is not None
    return node
