"""handouts/schema.json: generated from the model, kept in sync, and agreeing with the checker."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from conftest import HANDOUTS, ROOT, read_content, topic_file
from layouts.content.schema import SCHEMA_PATH, schema_text


def test_committed_schema_matches_the_model():
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), (
        "handouts/schema.json is stale: run `python -m layouts.content.schema` and commit it")


@pytest.mark.parametrize("path", sorted(HANDOUTS.rglob("*.yaml")),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_shipped_content_is_valid_against_the_schema(path):
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(
        yaml.safe_load(path.read_text(encoding="utf-8"))))
    assert errors == []


@pytest.mark.parametrize("path", sorted(HANDOUTS.rglob("*.yaml")),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_content_files_point_editors_at_the_schema(path):
    first_line = path.read_text(encoding="utf-8").splitlines()[0]
    depth = len(path.relative_to(HANDOUTS).parts) - 1  # folders between it and schema.json
    relative = "../" * depth + "schema.json"
    assert first_line == f"# yaml-language-server: $schema={relative}"


def test_schema_rejects_what_the_checker_rejects():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    handout = read_content(topic_file("diagnosis"))
    handout["sections"][0]["blocks"].append({"parragraph": "typo"})
    assert list(validator.iter_errors(handout)), "an unknown block type must not validate"


def test_schema_wants_every_question_named():
    """A question is `{name, ask}`: its name names its form field, so it cannot be left out."""
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text(
        encoding="utf-8")))
    handout = read_content(topic_file("diagnosis"))
    assert not list(validator.iter_errors(handout))
    handout["questions"][0] = handout["questions"][0]["ask"]
    assert list(validator.iter_errors(handout)), "a question without a name must not validate"
