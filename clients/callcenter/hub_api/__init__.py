from .add_note import (
    AddNote,
    AddNoteAddNote,
    AddNoteAddNoteProfile,
    AddNoteAddNoteUserErrors,
)
from .agent_login import (
    AgentLogin,
    AgentLoginAgentLogin,
    AgentLoginAgentLoginUserErrors,
)
from .agent_logout import (
    AgentLogout,
    AgentLogoutAgentLogout,
    AgentLogoutAgentLogoutUserErrors,
)
from .async_base_client import AsyncBaseClient
from .audit_log import AuditLog, AuditLogAuditLog
from .base_model import BaseModel
from .categories import Categories, CategoriesCategories
from .client import HubApi
from .dismiss_duplicate import (
    DismissDuplicate,
    DismissDuplicateDismissDuplicate,
    DismissDuplicateDismissDuplicateUserErrors,
)
from .enums import (
    ConsentPurpose,
    EventType,
    IdentifierKind,
    NextBestActionKind,
    PreferenceSource,
    Touchpoint,
)
from .exceptions import (
    GraphQLClientError,
    GraphQLClientGraphQLError,
    GraphQLClientGraphQLMultiError,
    GraphQLClientHttpError,
    GraphQLClientInvalidResponseError,
)
from .export_profile import (
    ExportProfile,
    ExportProfileExportProfile,
    ExportProfileExportProfileUserErrors,
)
from .find_products import FindProducts, FindProductsProducts
from .find_profile import FindProfile, FindProfileProfile
from .fragments import (
    Change,
    Problem,
    Profile360,
    Profile360Consents,
    Profile360GiftRegistries,
    Profile360GiftRegistriesItems,
    Profile360GiftRegistriesItemsProduct,
    Profile360Merges,
    Profile360Notes,
    Profile360OrderSummary,
    Profile360Preferences,
    Profile360RecentEvents,
    Profile360RecentEventsProduct,
    Profile360Recommendations,
    Profile360RecommendationsProduct,
    Profile360Segments,
    Profile360SegmentsSegment,
    ProfileCard,
    ProfileCardIdentifiers,
)
from .get_profile import GetProfile, GetProfileProfile
from .get_profile_card import GetProfileCard, GetProfileCardProfile
from .identity_conflicts import IdentityConflicts, IdentityConflictsIdentityConflicts
from .input_types import EventInput, IdentifierInput, PreferenceInput
from .link_profiles import (
    LinkProfiles,
    LinkProfilesLinkProfiles,
    LinkProfilesLinkProfilesProfile,
    LinkProfilesLinkProfilesUserErrors,
)
from .next_best_actions import (
    NextBestActions,
    NextBestActionsNextBestActions,
    NextBestActionsNextBestActionsProduct,
)
from .possible_duplicates import (
    PossibleDuplicates,
    PossibleDuplicatesPossibleDuplicates,
)
from .profile_changed import ProfileChanged, ProfileChangedProfileChanged
from .redeem_response_code import (
    RedeemResponseCode,
    RedeemResponseCodeRedeemResponseCode,
    RedeemResponseCodeRedeemResponseCodeUserErrors,
)
from .respond_to_next_best_action import (
    RespondToNextBestAction,
    RespondToNextBestActionRespondToNextBestAction,
    RespondToNextBestActionRespondToNextBestActionUserErrors,
)
from .search_profiles import SearchProfiles, SearchProfilesSearchProfiles
from .session_check import SessionCheck
from .set_consent import (
    SetConsent,
    SetConsentSetConsent,
    SetConsentSetConsentProfile,
    SetConsentSetConsentUserErrors,
)
from .set_preferences import (
    SetPreferences,
    SetPreferencesSetPreferences,
    SetPreferencesSetPreferencesProfile,
    SetPreferencesSetPreferencesUserErrors,
)
from .split_profile import (
    SplitProfile,
    SplitProfileSplitProfile,
    SplitProfileSplitProfileSurvivor,
    SplitProfileSplitProfileUserErrors,
)
from .track import Track, TrackTrack, TrackTrackUserErrors

__all__ = [
    "AddNote",
    "AddNoteAddNote",
    "AddNoteAddNoteProfile",
    "AddNoteAddNoteUserErrors",
    "AgentLogin",
    "AgentLoginAgentLogin",
    "AgentLoginAgentLoginUserErrors",
    "AgentLogout",
    "AgentLogoutAgentLogout",
    "AgentLogoutAgentLogoutUserErrors",
    "AsyncBaseClient",
    "AuditLog",
    "AuditLogAuditLog",
    "BaseModel",
    "Categories",
    "CategoriesCategories",
    "Change",
    "ConsentPurpose",
    "DismissDuplicate",
    "DismissDuplicateDismissDuplicate",
    "DismissDuplicateDismissDuplicateUserErrors",
    "EventInput",
    "EventType",
    "ExportProfile",
    "ExportProfileExportProfile",
    "ExportProfileExportProfileUserErrors",
    "FindProducts",
    "FindProductsProducts",
    "FindProfile",
    "FindProfileProfile",
    "GetProfile",
    "GetProfileCard",
    "GetProfileCardProfile",
    "GetProfileProfile",
    "GraphQLClientError",
    "GraphQLClientGraphQLError",
    "GraphQLClientGraphQLMultiError",
    "GraphQLClientHttpError",
    "GraphQLClientInvalidResponseError",
    "HubApi",
    "IdentifierInput",
    "IdentifierKind",
    "IdentityConflicts",
    "IdentityConflictsIdentityConflicts",
    "LinkProfiles",
    "LinkProfilesLinkProfiles",
    "LinkProfilesLinkProfilesProfile",
    "LinkProfilesLinkProfilesUserErrors",
    "NextBestActionKind",
    "NextBestActions",
    "NextBestActionsNextBestActions",
    "NextBestActionsNextBestActionsProduct",
    "PossibleDuplicates",
    "PossibleDuplicatesPossibleDuplicates",
    "PreferenceInput",
    "PreferenceSource",
    "Problem",
    "Profile360",
    "Profile360Consents",
    "Profile360GiftRegistries",
    "Profile360GiftRegistriesItems",
    "Profile360GiftRegistriesItemsProduct",
    "Profile360Merges",
    "Profile360Notes",
    "Profile360OrderSummary",
    "Profile360Preferences",
    "Profile360RecentEvents",
    "Profile360RecentEventsProduct",
    "Profile360Recommendations",
    "Profile360RecommendationsProduct",
    "Profile360Segments",
    "Profile360SegmentsSegment",
    "ProfileCard",
    "ProfileCardIdentifiers",
    "ProfileChanged",
    "ProfileChangedProfileChanged",
    "RedeemResponseCode",
    "RedeemResponseCodeRedeemResponseCode",
    "RedeemResponseCodeRedeemResponseCodeUserErrors",
    "RespondToNextBestAction",
    "RespondToNextBestActionRespondToNextBestAction",
    "RespondToNextBestActionRespondToNextBestActionUserErrors",
    "SearchProfiles",
    "SearchProfilesSearchProfiles",
    "SessionCheck",
    "SetConsent",
    "SetConsentSetConsent",
    "SetConsentSetConsentProfile",
    "SetConsentSetConsentUserErrors",
    "SetPreferences",
    "SetPreferencesSetPreferences",
    "SetPreferencesSetPreferencesProfile",
    "SetPreferencesSetPreferencesUserErrors",
    "SplitProfile",
    "SplitProfileSplitProfile",
    "SplitProfileSplitProfileSurvivor",
    "SplitProfileSplitProfileUserErrors",
    "Touchpoint",
    "Track",
    "TrackTrack",
    "TrackTrackUserErrors",
]
