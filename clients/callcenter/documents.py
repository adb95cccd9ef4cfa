"""GraphQL documents of the agent desktop, written as wish lists pruned by `SchemaInfo`."""

from __future__ import annotations

from .schema_info import SchemaInfo, Selection

USER_ERRORS: Selection = [("userErrors", ["field", "code", "message"])]

PROFILE: Selection = [
    "id",
    "firstName",
    "lastName",
    "displayName",
    "?greeting",
    "?salutation",
    ("identifiers", ["kind", "value"]),
    (
        "preferences",
        [
            "key",
            "value",
            "?label",
            "?like",
            "weight",
            "source",
            "touchpoint",
            "updatedAt",
            "reason",
        ],
    ),
    ("consents", ["purpose", "granted", "?isDefault", "updatedAt", "touchpoint"]),
    (
        "recentEvents(first: 30)",
        [
            "id",
            "type",
            "touchpoint",
            "occurredAt",
            "productSku",
            "quantity",
            "price",
            "?summary",
            ("?product", ["sku", "name"]),
        ],
    ),
    ("?notes", ["id", "text", "author", "createdAt"]),
    (
        "?merges",
        [
            "id",
            "survivorId",
            "mergedId",
            "reason",
            "touchpoint",
            "createdAt",
            "splitAt",
            "identifiersMoved",
            "eventsMoved",
        ],
    ),
    (
        "?orderSummary",
        [
            "orders",
            "purchaseLines",
            "units",
            "spent",
            "returns",
            "refunded",
            "net",
            "firstOrderAt",
            "lastOrderAt",
            "lastReturnAt",
        ],
    ),
    ("?segments", [("segment", ["id", "name", "?description"]), "reason"]),
    (
        "?recommendations(touchpoint: CALL_CENTER, first: 5)",
        [
            ("product", ["sku", "name"]),
            "score",
            "reason",
            "recommendationId",
            "?kind",
            "?personal",
        ],
    ),
    (
        "?giftRegistries",
        [
            "code",
            "title",
            "occasion",
            "?eventDate",
            "remaining",
            ("items", ["sku", "wanted", "bought", "remaining", ("?product", ["name"])]),
        ],
    ),
    "version",
]

SEARCH_HIT: Selection = [
    "id",
    "firstName",
    "lastName",
    "displayName",
    ("identifiers", ["kind", "value"]),
    "version",
]

LOGIN_PAYLOAD: Selection = ["token", "?expiresAt", *USER_ERRORS]

NEXT_BEST_ACTION: Selection = [
    "id",
    "kind",
    "title",
    "?script",
    "reason",
    "?priority",
    ("?product", ["sku", "name"]),
    "?recommendationId",
]

CATEGORIES = "query Categories { categories { slug name } }"

FIND_PRODUCTS = """
query FindProducts($search: String!, $first: Int!) {
  products(search: $search, first: $first) { sku name }
}
"""

SET_PREFERENCES = """
mutation SetPreferences($profileId: ID!, $preferences: %s) {
  setPreferences(profileId: $profileId, touchpoint: CALL_CENTER, preferences: $preferences) {
    userErrors { field code message }
  }
}
"""

SET_CONSENT = """
mutation SetConsent($profileId: ID!, $purpose: ConsentPurpose!, $granted: Boolean!) {
  setConsent(profileId: $profileId, purpose: $purpose, granted: $granted, touchpoint: CALL_CENTER) {
    userErrors { field code message }
  }
}
"""

REDEEM_RESPONSE_CODE = """
mutation RedeemResponseCode($code: String!, $profileId: ID!) {
  redeemResponseCode(code: $code, touchpoint: CALL_CENTER, profileId: $profileId) {
    redeemed firstName duplicate userErrors { field code message }
  }
}
"""

ADD_NOTE = """
mutation AddNote($profileId: ID!, $text: String!) {
  addNote(profileId: $profileId, text: $text) {
    userErrors { field code message }
  }
}
"""

TRACK = """
mutation Track($events: %s) {
  track(events: $events) {
    accepted
    duplicates
    userErrors { field code message }
  }
}
"""

AUDIT_LOG = """
query AuditLog($profileId: ID!, $first: Int!) {
  auditLog(profileId: $profileId, first: $first) { id at actor channel action detail }
}
"""

IDENTITY_CONFLICTS = """
query IdentityConflicts($first: Int!) {
  identityConflicts(first: $first) { id kind value profileIds touchpoint status createdAt }
}
"""

LINK_PROFILES = """
mutation LinkProfiles($profileIds: [ID!]!) {
  linkProfiles(profileIds: $profileIds) {
    profile { id }
    userErrors { field code message }
  }
}
"""

SPLIT_PROFILE = """
mutation SplitProfile($mergeId: ID!) {
  splitProfile(mergeId: $mergeId) {
    userErrors { field code message }
  }
}
"""

POSSIBLE_DUPLICATES = """
query PossibleDuplicates($first: Int!) {
  possibleDuplicates(first: $first) { id reason evidence profileIds createdAt }
}
"""

DISMISS_DUPLICATE = """
mutation DismissDuplicate($id: ID!) {
  dismissDuplicate(id: $id) {
    dismissed
    userErrors { field code message }
  }
}
"""

EXPORT_PROFILE = """
mutation ExportProfile($profileId: ID!) {
  exportProfile(profileId: $profileId) {
    document
    userErrors { field code message }
  }
}
"""

RESPOND_TO_NEXT_BEST_ACTION = """
mutation RespondToNextBestAction($profileId: ID!, $actionId: ID!, $accepted: Boolean!) {
  respondToNextBestAction(
    profileId: $profileId, actionId: $actionId, accepted: $accepted, touchpoint: CALL_CENTER
  ) {
    accepted
    userErrors { field code message }
  }
}
"""

SESSION_CHECK = "query SessionCheck { __typename }"

LOGOUT = "mutation AgentLogout { agentLogout { signedOut userErrors { field code message } } }"

PROFILE_CHANGE: Selection = ["profileId", "version", "touchpoint", "kind", "summary", "?mergedInto"]


def login(schema: SchemaInfo) -> str:
    payload = schema.field_type(schema.root.get("mutation") or "Mutation", "agentLogin")
    body = schema.select(payload or "AgentLoginPayload", LOGIN_PAYLOAD, indent=4)
    return (
        "mutation AgentLogin($username: String!, $password: String!) {\n"
        f"  agentLogin(username: $username, password: $password) {{\n{body}\n  }}\n}}"
    )


def next_best_actions(schema: SchemaInfo) -> str:
    action = schema.field_type(schema.root.get("query") or "Query", "nextBestActions")
    body = schema.select(action or "NextBestAction", NEXT_BEST_ACTION, indent=4)
    return (
        "query NextBestActions($profileId: ID!, $first: Int!) {\n"
        f"  nextBestActions(profileId: $profileId, first: $first) {{\n{body}\n  }}\n}}"
    )


def profile_summary(schema: SchemaInfo) -> str:
    body = schema.select("Profile", SEARCH_HIT, indent=4)
    return f"query ProfileSummary($id: ID!) {{\n  profile(id: $id) {{\n{body}\n  }}\n}}"


def profile_by_id(schema: SchemaInfo) -> str:
    body = schema.select("Profile", PROFILE, indent=4)
    return f"query Profile($id: ID!) {{\n  profile(id: $id) {{\n{body}\n  }}\n}}"


def profile_by_identifier(schema: SchemaInfo) -> str:
    body = schema.select("Profile", PROFILE, indent=4)
    return (
        "query ProfileByIdentifier($identifier: IdentifierInput!) {\n"
        f"  profile(identifier: $identifier) {{\n{body}\n  }}\n}}"
    )


def search_profiles(schema: SchemaInfo) -> str:
    body = schema.select("Profile", SEARCH_HIT, indent=4)
    return (
        "query SearchProfiles($text: String!, $first: Int!) {\n"
        f"  searchProfiles(text: $text, first: $first) {{\n{body}\n  }}\n}}"
    )


def set_preferences(schema: SchemaInfo) -> str:
    return SET_PREFERENCES % schema.arg_type(
        "mutation", "setPreferences", "preferences", "[PreferenceInput!]!"
    )


def track(schema: SchemaInfo) -> str:
    return TRACK % schema.arg_type("mutation", "track", "events", "[EventInput!]!")


def profile_changed(schema: SchemaInfo) -> str:
    root = schema.root.get("subscription") or "Subscription"
    change_type = schema.field_type(root, "profileChanged") or "ProfileChange"
    body = schema.select(change_type, PROFILE_CHANGE, indent=4)
    return (
        "subscription ProfileChanged($profileId: ID!) {\n"
        f"  profileChanged(profileId: $profileId) {{\n{body}\n  }}\n}}"
    )
