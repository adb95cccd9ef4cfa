from .async_base_client import AsyncBaseClient
from .base_model import BaseModel
from .buy_gift import (
    BuyGift,
    BuyGiftBuyFromGiftRegistry,
    BuyGiftBuyFromGiftRegistryItem,
    BuyGiftBuyFromGiftRegistryUserErrors,
)
from .categories import Categories, CategoriesCategories
from .claim_handoff import (
    ClaimHandoff,
    ClaimHandoffClaimHandoff,
    ClaimHandoffClaimHandoffItems,
    ClaimHandoffClaimHandoffUserErrors,
)
from .client import HubApi
from .contacts import Contacts, ContactsProfile, ContactsProfileIdentifiers
from .content import Content, ContentContent, ContentContentSegment
from .enums import (
    ConsentPurpose,
    EventType,
    HandoffKind,
    IdentifierKind,
    ListMedium,
    PreferenceSource,
    Touchpoint,
)
from .erase import Erase, EraseEraseProfile, EraseEraseProfileUserErrors
from .exceptions import (
    GraphQLClientError,
    GraphQLClientGraphQLError,
    GraphQLClientGraphQLMultiError,
    GraphQLClientHttpError,
    GraphQLClientInvalidResponseError,
)
from .for_you import (
    ForYou,
    ForYouProfile,
    ForYouProfilePreferences,
    ForYouProfileRecommendations,
    ForYouProfileRecommendationsProduct,
)
from .forget_interest import (
    ForgetInterest,
    ForgetInterestForgetInterest,
    ForgetInterestForgetInterestUserErrors,
)
from .fragments import Problem, ProductCard, ProductCardCategory
from .identify import (
    Identify,
    IdentifyIdentify,
    IdentifyIdentifyProfile,
    IdentifyIdentifyUserErrors,
)
from .input_types import (
    EventInput,
    IdentifierInput,
    IdentifyInput,
    ListItemInput,
    PreferenceInput,
    TraitsInput,
)
from .ledger import (
    Ledger,
    LedgerProfile,
    LedgerProfileConsents,
    LedgerProfileIdentifiers,
    LedgerProfilePreferences,
    LedgerProfileRecentEvents,
    LedgerProfileRecentEventsProduct,
    LedgerProfileSegments,
    LedgerProfileSegmentsSegment,
    LedgerProfileShownPicks,
)
from .product import Product, ProductProduct
from .products import Products, ProductsProducts
from .profile_changed import ProfileChanged, ProfileChangedProfileChanged
from .recommendation_center import (
    RecommendationCenter,
    RecommendationCenterRecommendationCenter,
    RecommendationCenterRecommendationCenterGroups,
    RecommendationCenterRecommendationCenterGroupsItems,
    RecommendationCenterRecommendationCenterGroupsItemsProduct,
)
from .redeem_code import (
    RedeemCode,
    RedeemCodeRedeemSelfServiceCode,
    RedeemCodeRedeemSelfServiceCodeUserErrors,
)
from .redeem_response_code import (
    RedeemResponseCode,
    RedeemResponseCodeRedeemResponseCode,
    RedeemResponseCodeRedeemResponseCodeUserErrors,
)
from .registries import Registries, RegistriesGiftRegistries
from .registry import (
    Registry,
    RegistryGiftRegistry,
    RegistryGiftRegistryItems,
    RegistryGiftRegistryItemsProduct,
)
from .remove_identifier import (
    RemoveIdentifier,
    RemoveIdentifierRemoveIdentifier,
    RemoveIdentifierRemoveIdentifierUserErrors,
)
from .request_code import (
    RequestCode,
    RequestCodeRequestSelfServiceCode,
    RequestCodeRequestSelfServiceCodeUserErrors,
)
from .send_list import SendList, SendListSendList, SendListSendListUserErrors
from .set_consent import (
    SetConsent,
    SetConsentSetConsent,
    SetConsentSetConsentUserErrors,
)
from .set_preferences import (
    SetPreferences,
    SetPreferencesSetPreferences,
    SetPreferencesSetPreferencesUserErrors,
)
from .track import Track, TrackTrack, TrackTrackUserErrors
from .update_traits import (
    UpdateTraits,
    UpdateTraitsUpdateTraits,
    UpdateTraitsUpdateTraitsProfile,
    UpdateTraitsUpdateTraitsUserErrors,
)
from .visitor import Visitor, VisitorProfile

__all__ = [
    "AsyncBaseClient",
    "BaseModel",
    "BuyGift",
    "BuyGiftBuyFromGiftRegistry",
    "BuyGiftBuyFromGiftRegistryItem",
    "BuyGiftBuyFromGiftRegistryUserErrors",
    "Categories",
    "CategoriesCategories",
    "ClaimHandoff",
    "ClaimHandoffClaimHandoff",
    "ClaimHandoffClaimHandoffItems",
    "ClaimHandoffClaimHandoffUserErrors",
    "ConsentPurpose",
    "Contacts",
    "ContactsProfile",
    "ContactsProfileIdentifiers",
    "Content",
    "ContentContent",
    "ContentContentSegment",
    "Erase",
    "EraseEraseProfile",
    "EraseEraseProfileUserErrors",
    "EventInput",
    "EventType",
    "ForYou",
    "ForYouProfile",
    "ForYouProfilePreferences",
    "ForYouProfileRecommendations",
    "ForYouProfileRecommendationsProduct",
    "ForgetInterest",
    "ForgetInterestForgetInterest",
    "ForgetInterestForgetInterestUserErrors",
    "GraphQLClientError",
    "GraphQLClientGraphQLError",
    "GraphQLClientGraphQLMultiError",
    "GraphQLClientHttpError",
    "GraphQLClientInvalidResponseError",
    "HandoffKind",
    "HubApi",
    "IdentifierInput",
    "IdentifierKind",
    "Identify",
    "IdentifyIdentify",
    "IdentifyIdentifyProfile",
    "IdentifyIdentifyUserErrors",
    "IdentifyInput",
    "Ledger",
    "LedgerProfile",
    "LedgerProfileConsents",
    "LedgerProfileIdentifiers",
    "LedgerProfilePreferences",
    "LedgerProfileRecentEvents",
    "LedgerProfileRecentEventsProduct",
    "LedgerProfileSegments",
    "LedgerProfileSegmentsSegment",
    "LedgerProfileShownPicks",
    "ListItemInput",
    "ListMedium",
    "PreferenceInput",
    "PreferenceSource",
    "Problem",
    "Product",
    "ProductCard",
    "ProductCardCategory",
    "ProductProduct",
    "Products",
    "ProductsProducts",
    "ProfileChanged",
    "ProfileChangedProfileChanged",
    "RecommendationCenter",
    "RecommendationCenterRecommendationCenter",
    "RecommendationCenterRecommendationCenterGroups",
    "RecommendationCenterRecommendationCenterGroupsItems",
    "RecommendationCenterRecommendationCenterGroupsItemsProduct",
    "RedeemCode",
    "RedeemCodeRedeemSelfServiceCode",
    "RedeemCodeRedeemSelfServiceCodeUserErrors",
    "RedeemResponseCode",
    "RedeemResponseCodeRedeemResponseCode",
    "RedeemResponseCodeRedeemResponseCodeUserErrors",
    "Registries",
    "RegistriesGiftRegistries",
    "Registry",
    "RegistryGiftRegistry",
    "RegistryGiftRegistryItems",
    "RegistryGiftRegistryItemsProduct",
    "RemoveIdentifier",
    "RemoveIdentifierRemoveIdentifier",
    "RemoveIdentifierRemoveIdentifierUserErrors",
    "RequestCode",
    "RequestCodeRequestSelfServiceCode",
    "RequestCodeRequestSelfServiceCodeUserErrors",
    "SendList",
    "SendListSendList",
    "SendListSendListUserErrors",
    "SetConsent",
    "SetConsentSetConsent",
    "SetConsentSetConsentUserErrors",
    "SetPreferences",
    "SetPreferencesSetPreferences",
    "SetPreferencesSetPreferencesUserErrors",
    "Touchpoint",
    "Track",
    "TrackTrack",
    "TrackTrackUserErrors",
    "TraitsInput",
    "UpdateTraits",
    "UpdateTraitsUpdateTraits",
    "UpdateTraitsUpdateTraitsProfile",
    "UpdateTraitsUpdateTraitsUserErrors",
    "Visitor",
    "VisitorProfile",
]
