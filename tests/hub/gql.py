"""GraphQL documents the end-to-end tests send (kept as module constants)."""

PROFILE_FIELDS = """
  id firstName lastName displayName greeting salutation isKnown version
  identifiers { kind value masked }
  preferences { key value like weight source touchpoint updatedAt reason label }
  consents { purpose granted isDefault touchpoint updatedAt }
  recentEvents(first: 50) { type touchpoint productSku quantity summary messageId }
"""

IDENTIFY = (
    """
mutation($input: IdentifyInput!) {
  identify(input: $input) {
    profile { %s }
    merged created conflicts
    userErrors { field code message }
  }
}
"""
    % PROFILE_FIELDS
)

TRACK = """
mutation($events: [EventInput!]!) {
  track(events: $events) { accepted duplicates userErrors { field code message } }
}
"""

PROFILE_BY_ID = "query($id: ID!) { profile(id: $id) { %s } }" % PROFILE_FIELDS
PROFILE_BY_IDENTIFIER = (
    "query($kind: IdentifierKind!, $value: String!) { profile(identifier: {kind: $kind, "
    "value: $value}) { %s } }" % PROFILE_FIELDS
)

SET_PREFERENCES = """
mutation($id: ID!, $tp: Touchpoint!, $prefs: [PreferenceInput!]!) {
  setPreferences(profileId: $id, touchpoint: $tp, preferences: $prefs) {
    profile { id version preferences { key value like weight source touchpoint reason } }
    userErrors { field code message }
  }
}
"""

SET_CONSENT = """
mutation($id: ID!, $purpose: ConsentPurpose!, $granted: Boolean!, $tp: Touchpoint!) {
  setConsent(profileId: $id, purpose: $purpose, granted: $granted, touchpoint: $tp) {
    consent { purpose granted touchpoint }
    userErrors { field code message }
  }
}
"""

ADD_NOTE = """
mutation($id: ID!, $text: String!) {
  addNote(profileId: $id, text: $text) { note { id text author } userErrors { field code message } }
}
"""

SEARCH = "query($text: String!) { searchProfiles(text: $text, first: 10) { id displayName } }"
