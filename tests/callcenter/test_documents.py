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
        "login": documents.login(info),
        "profile_summary": documents.profile_summary(info),
        "session_check": documents.SESSION_CHECK,
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
    if info.has_query("possibleDuplicates"):
        found["possible_duplicates"] = documents.POSSIBLE_DUPLICATES
    if info.has_mutation("dismissDuplicate"):
        found["dismiss_duplicate"] = documents.DISMISS_DUPLICATE
    if info.has_mutation("exportProfile"):
        found["export_profile"] = documents.EXPORT_PROFILE
    if info.has_query("nextBestActions"):
        found["next_best_actions"] = documents.next_best_actions(info)
    if info.has_mutation("respondToNextBestAction"):
        found["respond_to_next_best_action"] = documents.RESPOND_TO_NEXT_BEST_ACTION
    return found


def test_every_document_validates(schema_and_info) -> None:  # type: ignore[no-untyped-def]
    schema, info = schema_and_info
    for name, document in _all_documents(info).items():
        errors = validate(schema, parse(document))
        assert not errors, f"{name}: {errors}"


# The shape the hub's next best actions and segments take (the brief for issue 6): the
# documents are checked against it too, so they are right before the hub serves them.
NEXT_BEST_SDL = """
type Query {
  profile(id: ID, identifier: IdentifierInput): Profile
  nextBestActions(profileId: ID!, first: Int = 5): [NextBestAction!]!
}
type Mutation {
  respondToNextBestAction(
    profileId: ID!, actionId: ID!, accepted: Boolean!, touchpoint: Touchpoint!
  ): RespondPayload!
}
input IdentifierInput { kind: String!, value: String! }
enum Touchpoint { WEB KIOSK CALL_CENTER DIRECT_MARKETING STORE }
enum NextBestActionKind { OFFER RECOMMENDATION CONSENT SERVICE DATA_QUALITY }
type Product { sku: String!, name: String! }
type Segment { id: ID!, name: String!, description: String }
type SegmentMembership { segment: Segment!, reason: String! }
type Profile { id: ID!, version: Int!, segments: [SegmentMembership!]! }
type NextBestAction {
  id: ID!, kind: NextBestActionKind!, title: String!, script: String, reason: String!
  priority: Float!, product: Product, recommendationId: String
}
type UserError { field: [String!], code: String!, message: String! }
type RespondPayload { accepted: Boolean!, userErrors: [UserError!]! }
"""


def test_next_best_action_documents_fit_the_announced_shape() -> None:
    schema = build_schema(NEXT_BEST_SDL)
    info = SchemaInfo.from_introspection(introspection_from_schema(schema))
    actions = documents.next_best_actions(info)
    for field in ("script", "reason", "priority", "recommendationId", "name"):
        assert field in actions
    profile = documents.profile_by_id(info)
    assert "segments" in profile and "description" in profile
    for document in (actions, profile, documents.RESPOND_TO_NEXT_BEST_ACTION):
        assert not validate(schema, parse(document)), document


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
