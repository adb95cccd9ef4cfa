"""Every document the agent desktop sends is valid against the checked-in schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import build_schema, introspection_from_schema, parse, validate

from clients.callcenter import documents
from clients.callcenter.schema_info import INTROSPECTION, SchemaInfo

SCHEMA = Path(__file__).resolve().parents[2] / "schema.graphql"


@pytest.fixture(scope="module")
def schema_and_info():  # type: ignore[no-untyped-def]
    schema = build_schema(SCHEMA.read_text())
    return schema, SchemaInfo.from_introspection(introspection_from_schema(schema))


def _all_documents(info: SchemaInfo) -> dict[str, str]:
    found = {
        "profile_by_id": documents.profile_by_id(info),
        "profile_by_identifier": documents.profile_by_identifier(info),
        "search_profiles": documents.search_profiles(info),
        "set_preferences": documents.set_preferences(info),
        "track": documents.track(info),
        "profile_changed": documents.profile_changed(info),
        "login": documents.LOGIN,
        "set_consent": documents.SET_CONSENT,
        "add_note": documents.ADD_NOTE,
        "introspection": INTROSPECTION,
    }
    if info.has_query("auditLog"):
        found["audit_log"] = documents.AUDIT_LOG
    if info.has_query("identityConflicts"):
        found["identity_conflicts"] = documents.IDENTITY_CONFLICTS
    if info.has_query("categories"):
        found["categories"] = documents.CATEGORIES
    if info.has_query("products"):
        found["find_products"] = documents.FIND_PRODUCTS
    if info.has_mutation("linkProfiles"):
        found["link_profiles"] = documents.LINK_PROFILES
    if info.has_mutation("splitProfile"):
        found["split_profile"] = documents.SPLIT_PROFILE
    return found


def test_every_document_validates(schema_and_info) -> None:  # type: ignore[no-untyped-def]
    schema, info = schema_and_info
    for name, document in _all_documents(info).items():
        errors = validate(schema, parse(document))
        assert not errors, f"{name}: {errors}"


def test_fields_the_hub_lacks_are_left_out() -> None:
    sdl = """
    type Query { profile(id: ID, identifier: IdentifierInput): Profile }
    input IdentifierInput { kind: String!, value: String! }
    type Profile { id: ID!, firstName: String, version: Int! }
    """
    info = SchemaInfo.from_introspection(introspection_from_schema(build_schema(sdl)))
    document = documents.profile_by_id(info)
    assert "firstName" in document
    assert "recommendations" not in document and "segments" not in document
    assert not validate(build_schema(sdl), parse(document))


def test_without_introspection_only_the_contract_is_asked_for() -> None:
    document = documents.profile_by_id(SchemaInfo())
    assert "preferences" in document and "consents" in document
    for extra in ("salutation", "segments", "recommendations", "notes", "summary"):
        assert extra not in document
