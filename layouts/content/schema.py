"""Model classes -> JSON Schema (handouts/schema.json), so editors can check and complete YAML.

Run `python -m layouts.content.schema` after changing the model; a test fails while the file is
stale.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import sys
import types
import typing
from pathlib import Path

from . import model

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "handouts" / "schema.json"
_PATTERNS = {key: pattern.pattern for key, (pattern, _) in model._PATTERNS.items()}
_FILES = (model.Clinic, model.Phrases, model.Glossary, model.Handout, model.SetTopics,
          model.SetLanguage)


def _type(hint, meta: dict, defs: dict) -> dict:
    origin = typing.get_origin(hint)
    if hint == model.Block:
        return {"oneOf": [_block(key, cls, defs) for key, cls in model.BLOCK_TYPES.items()]}
    if origin in (typing.Union, types.UnionType):
        return _type(next(a for a in typing.get_args(hint) if a is not type(None)), meta, defs)
    if origin is tuple:
        out = {"type": "array", "items": _type(typing.get_args(hint)[0],
                                               {k: v for k, v in meta.items()
                                                if k in ("pattern", "choices", "max_length")},
                                               defs)}
        if "min_items" in meta:
            out["minItems"] = meta["min_items"]
        if "max_items" in meta:
            out["maxItems"] = meta["max_items"]
        return out
    if origin is dict:
        keys = "^" + _PATTERNS[meta["key_pattern"]].removesuffix("\\Z") + "$"
        value_meta = {k: v for k, v in meta.items() if k in ("choices", "max_length")}
        return {"type": "object", "propertyNames": {"pattern": keys},
                "additionalProperties": _type(typing.get_args(hint)[1], value_meta, defs),
                **({"minProperties": meta["min_items"]} if "min_items" in meta else {})}
    if dataclasses.is_dataclass(hint):
        _define(hint, defs)
        return {"$ref": f"#/$defs/{hint.__name__}"}
    if hint is int:
        return {"type": "integer", "minimum": meta.get("minimum", 0),
                **({"maximum": meta["maximum"]} if "maximum" in meta else {})}
    if hint is bool:
        return {"type": "boolean"}
    if hint is datetime.date:
        return {"type": "string", "format": "date"}
    out = {"type": "string", "minLength": 1,
           "maxLength": meta.get("max_length", model.TEXT_LENGTH)}
    if "choices" in meta:
        out["enum"] = list(meta["choices"])
    if "pattern" in meta:
        out["pattern"] = "^" + _PATTERNS[meta["pattern"]].removesuffix("\\Z") + "$"
    return out


def _block(key: str, cls, defs: dict) -> dict:
    fields = [f for f in dataclasses.fields(cls) if not f.metadata.get("internal")]
    if len(fields) == 1:  # `- paragraph: text`
        value = _type(typing.get_type_hints(cls)[fields[0].name], fields[0].metadata, defs)
    else:
        value = _type(cls, {}, defs)
    return {"type": "object", "description": cls.__doc__.strip(),
            "properties": {key: value}, "required": [key], "additionalProperties": False}


def _define(cls, defs: dict) -> None:
    if cls.__name__ in defs:
        return
    defs[cls.__name__] = {}  # placeholder first: classes may refer to each other
    hints = typing.get_type_hints(cls)
    properties, required = {}, []
    for f in dataclasses.fields(cls):
        if f.metadata.get("internal"):
            continue
        properties[f.name] = {"description": f.metadata["doc"], **_type(hints[f.name],
                                                                       f.metadata, defs)}
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            required.append(f.name)
    defs[cls.__name__] = {"type": "object", "description": cls.__doc__.strip(),
                          "properties": properties, "required": required,
                          "additionalProperties": False}


def make_schema() -> dict:
    defs: dict = {}
    for cls in _FILES:
        _define(cls, defs)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "patient-handouts content",
        "description": "Generated from layouts/content/model.py by "
                       "`python -m layouts.content.schema`; do not edit by hand. One schema for "
                       "every content file: the clinic, phrases, glossary and handout files.",
        "anyOf": [{"$ref": f"#/$defs/{cls.__name__}"} for cls in _FILES],
        "$defs": dict(sorted(defs.items())),
    }


def schema_text() -> str:
    return json.dumps(make_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    SCHEMA_PATH.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {SCHEMA_PATH}", file=sys.stderr)
