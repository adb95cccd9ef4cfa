from collections.abc import AsyncIterator
from typing import Any

from .async_base_client import AsyncBaseClient
from .base_model import UNSET, UnsetType
from .buy_gift import BuyGift
from .categories import Categories
from .claim_handoff import ClaimHandoff
from .contacts import Contacts
from .content import Content
from .enums import ConsentPurpose, EventType, ListMedium
from .erase import Erase
from .for_you import ForYou
from .forget_interest import ForgetInterest
from .identify import Identify
from .input_types import (
    EventInput,
    IdentifierInput,
    IdentifyInput,
    ListItemInput,
    PreferenceInput,
    TraitsInput,
)
from .ledger import Ledger
from .product import Product
from .products import Products
from .profile_changed import ProfileChanged
from .recommendation_center import RecommendationCenter
from .redeem_code import RedeemCode
from .redeem_response_code import RedeemResponseCode
from .registries import Registries
from .registry import Registry
from .remove_identifier import RemoveIdentifier
from .request_code import RequestCode
from .send_list import SendList
from .set_consent import SetConsent
from .set_preferences import SetPreferences
from .track import Track
from .update_traits import UpdateTraits
from .visitor import Visitor


def gql(q: str) -> str:
    return q


class HubApi(AsyncBaseClient):
    async def categories(self, **kwargs: Any) -> Categories:
        query = gql("""
            query Categories {
              categories {
                slug
                name
                productCount
              }
            }
            """)
        variables: dict[str, object] = {}
        response = await self.execute(
            query=query, operation_name="Categories", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Categories.model_validate(data)

    async def products(
        self,
        first: int,
        category: str | UnsetType | None = UNSET,
        search: str | UnsetType | None = UNSET,
        after: str | UnsetType | None = UNSET,
        **kwargs: Any,
    ) -> Products:
        query = gql("""
            query Products($category: String, $search: String, $first: Int!, $after: String) {
              products(category: $category, search: $search, first: $first, after: $after) {
                ...ProductCard
              }
            }

            fragment ProductCard on Product {
              sku
              name
              price
              description
              inStock
              tags
              category {
                slug
                name
              }
            }
            """)
        variables: dict[str, object] = {
            "category": category,
            "search": search,
            "first": first,
            "after": after,
        }
        response = await self.execute(
            query=query, operation_name="Products", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Products.model_validate(data)

    async def product(self, sku: str, **kwargs: Any) -> Product:
        query = gql("""
            query Product($sku: String!) {
              product(sku: $sku) {
                ...ProductCard
              }
            }

            fragment ProductCard on Product {
              sku
              name
              price
              description
              inStock
              tags
              category {
                slug
                name
              }
            }
            """)
        variables: dict[str, object] = {"sku": sku}
        response = await self.execute(
            query=query, operation_name="Product", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Product.model_validate(data)

    async def content(
        self,
        slot: str,
        profile_id: str | UnsetType | None = UNSET,
        **kwargs: Any,
    ) -> Content:
        query = gql("""
            query Content($slot: String!, $profileId: ID) {
              content(slot: $slot, touchpoint: KIOSK, profileId: $profileId) {
                id
                title
                body
                link
                reason
                segment {
                  name
                }
              }
            }
            """)
        variables: dict[str, object] = {"slot": slot, "profileId": profile_id}
        response = await self.execute(
            query=query, operation_name="Content", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Content.model_validate(data)

    async def request_code(self, identifier: IdentifierInput, **kwargs: Any) -> RequestCode:
        query = gql("""
            mutation RequestCode($identifier: IdentifierInput!) {
              requestSelfServiceCode(identifier: $identifier) {
                sent
                medium
                maskedRecipient
                expiresAt
                userErrors {
                  ...Problem
                }
              }
            }

            fragment Problem on UserError {
              field
              code
              message
            }
            """)
        variables: dict[str, object] = {"identifier": identifier}
        response = await self.execute(
            query=query, operation_name="RequestCode", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return RequestCode.model_validate(data)

    async def redeem_code(
        self, identifier: IdentifierInput, code: str, **kwargs: Any
    ) -> RedeemCode:
        query = gql("""
            mutation RedeemCode($identifier: IdentifierInput!, $code: String!) {
              redeemSelfServiceCode(identifier: $identifier, code: $code) {
                token
                profileId
                expiresAt
                userErrors {
                  ...Problem
                }
              }
            }

            fragment Problem on UserError {
              field
              code
              message
            }
            """)
        variables: dict[str, object] = {"identifier": identifier, "code": code}
        response = await self.execute(
            query=query, operation_name="RedeemCode", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return RedeemCode.model_validate(data)

    async def ledger(
        self,
        events: int,
        shown: int,
        id: str | UnsetType | None = UNSET,
        own: list[EventType] | UnsetType | None = UNSET,
        **kwargs: Any,
    ) -> Ledger:
        query = gql("""
            query Ledger($id: ID, $own: [EventType!], $events: Int!, $shown: Int!) {
              profile(id: $id) {
                id
                firstName
                lastName
                displayName
                version
                traits
                identifiers {
                  kind
                  value
                }
                preferences {
                  key
                  value
                  label
                  like
                  weight
                  source
                  touchpoint
                  updatedAt
                  reason
                }
                consents {
                  purpose
                  granted
                  isDefault
                  updatedAt
                  touchpoint
                }
                segments {
                  segment {
                    name
                    description
                  }
                  reason
                }
                recentEvents(first: $events, types: $own) {
                  type
                  occurredAt
                  touchpoint
                  productSku
                  summary
                  product {
                    sku
                    name
                  }
                }
                shownPicks: recentEvents(first: $shown, types: [RECOMMENDATION_SHOWN]) {
                  type
                }
              }
            }
            """)
        variables: dict[str, object] = {
            "id": id,
            "own": own,
            "events": events,
            "shown": shown,
        }
        response = await self.execute(
            query=query, operation_name="Ledger", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Ledger.model_validate(data)

    async def erase(self, profile_id: str, **kwargs: Any) -> Erase:
        query = gql("""
            mutation Erase($profileId: ID!) {
              eraseProfile(profileId: $profileId) {
                userErrors {
                  ...Problem
                }
              }
            }

            fragment Problem on UserError {
              field
              code
              message
            }
            """)
        variables: dict[str, object] = {"profileId": profile_id}
        response = await self.execute(
            query=query, operation_name="Erase", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Erase.model_validate(data)

    async def forget_interest(
        self, profile_id: str, key: str, value: str, **kwargs: Any
    ) -> ForgetInterest:
        query = gql("""
            mutation ForgetInterest($profileId: ID!, $key: String!, $value: String!) {
              forgetInterest(
                profileId: $profileId
                key: $key
                value: $value
                touchpoint: KIOSK
              ) {
                userErrors {
                  ...Problem
                }
              }
            }

            fragment Problem on UserError {
              field
              code
              message
            }
            """)
        variables: dict[str, object] = {
            "profileId": profile_id,
            "key": key,
            "value": value,
        }
        response = await self.execute(
            query=query, operation_name="ForgetInterest", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return ForgetInterest.model_validate(data)

    async def remove_identifier(
        self, profile_id: str, identifier: IdentifierInput, **kwargs: Any
    ) -> RemoveIdentifier:
        query = gql("""
            mutation RemoveIdentifier($profileId: ID!, $identifier: IdentifierInput!) {
              removeIdentifier(
                profileId: $profileId
                identifier: $identifier
                touchpoint: KIOSK
              ) {
                userErrors {
                  ...Problem
                }
              }
            }

            fragment Problem on UserError {
              field
              code
              message
            }
            """)
        variables: dict[str, object] = {
            "profileId": profile_id,
            "identifier": identifier,
        }
        response = await self.execute(
            query=query,
            operation_name="RemoveIdentifier",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return RemoveIdentifier.model_validate(data)

    async def update_traits(
        self, profile_id: str, traits: TraitsInput, **kwargs: Any
    ) -> UpdateTraits:
        query = gql("""
            mutation UpdateTraits($profileId: ID!, $traits: TraitsInput!) {
              updateTraits(profileId: $profileId, traits: $traits, touchpoint: KIOSK) {
                profile {
                  id
                  firstName
                  lastName
                }
                userErrors {
                  ...Problem
                }
              }
            }

            fragment Problem on UserError {
              field
              code
              message
            }
            """)
        variables: dict[str, object] = {"profileId": profile_id, "traits": traits}
        response = await self.execute(
            query=query, operation_name="UpdateTraits", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return UpdateTraits.model_validate(data)

    async def registry(self, code: str, **kwargs: Any) -> Registry:
        query = gql("""
            query Registry($code: String!) {
              giftRegistry(code: $code) {
                code
                title
                occasion
                eventDate
                ownerFirstName
                remaining
                items {
                  sku
                  wanted
                  bought
                  remaining
                  product {
                    ...ProductCard
                  }
                }
              }
            }

            fragment ProductCard on Product {
              sku
              name
              price
              description
              inStock
              tags
              category {
                slug
                name
              }
            }
            """)
        variables: dict[str, object] = {"code": code}
        response = await self.execute(
            query=query, operation_name="Registry", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Registry.model_validate(data)

    async def registries(self, search: str, **kwargs: Any) -> Registries:
        query = gql("""
            query Registries($search: String!) {
              giftRegistries(search: $search, first: 10) {
                code
                title
                occasion
                eventDate
                ownerFirstName
              }
            }
            """)
        variables: dict[str, object] = {"search": search}
        response = await self.execute(
            query=query, operation_name="Registries", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Registries.model_validate(data)

    async def buy_gift(
        self,
        code: str,
        sku: str,
        buyer: IdentifierInput | UnsetType | None = UNSET,
        mid: str | UnsetType | None = UNSET,
        **kwargs: Any,
    ) -> BuyGift:
        query = gql("""
            mutation BuyGift($code: String!, $sku: String!, $buyer: IdentifierInput, $mid: String) {
              buyFromGiftRegistry(
                code: $code
                sku: $sku
                quantity: 1
                touchpoint: KIOSK
                buyer: $buyer
                messageId: $mid
              ) {
                duplicate
                item {
                  sku
                  remaining
                }
                userErrors {
                  ...Problem
                }
              }
            }

            fragment Problem on UserError {
              field
              code
              message
            }
            """)
        variables: dict[str, object] = {
            "code": code,
            "sku": sku,
            "buyer": buyer,
            "mid": mid,
        }
        response = await self.execute(
            query=query, operation_name="BuyGift", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return BuyGift.model_validate(data)

    async def claim_handoff(
        self,
        code: str,
        visitor: IdentifierInput | UnsetType | None = UNSET,
        **kwargs: Any,
    ) -> ClaimHandoff:
        query = gql("""
            mutation ClaimHandoff($code: String!, $visitor: IdentifierInput) {
              claimHandoff(code: $code, touchpoint: KIOSK, visitor: $visitor) {
                kind
                profileId
                firstName
                items {
                  sku
                  quantity
                }
                userErrors {
                  ...Problem
                }
              }
            }

            fragment Problem on UserError {
              field
              code
              message
            }
            """)
        variables: dict[str, object] = {"code": code, "visitor": visitor}
        response = await self.execute(
            query=query, operation_name="ClaimHandoff", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return ClaimHandoff.model_validate(data)

    async def contacts(self, id: str | UnsetType | None = UNSET, **kwargs: Any) -> Contacts:
        query = gql("""
            query Contacts($id: ID) {
              profile(id: $id) {
                identifiers {
                  kind
                  value
                }
              }
            }
            """)
        variables: dict[str, object] = {"id": id}
        response = await self.execute(
            query=query, operation_name="Contacts", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Contacts.model_validate(data)

    async def send_list(
        self, id: str, items: list[ListItemInput], medium: ListMedium, **kwargs: Any
    ) -> SendList:
        query = gql("""
            mutation SendList($id: ID!, $items: [ListItemInput!]!, $medium: ListMedium!) {
              sendList(profileId: $id, items: $items, medium: $medium, touchpoint: KIOSK) {
                sent
                maskedRecipient
                userErrors {
                  ...Problem
                }
              }
            }

            fragment Problem on UserError {
              field
              code
              message
            }
            """)
        variables: dict[str, object] = {"id": id, "items": items, "medium": medium}
        response = await self.execute(
            query=query, operation_name="SendList", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return SendList.model_validate(data)

    async def for_you(
        self, first: int, id: str | UnsetType | None = UNSET, **kwargs: Any
    ) -> ForYou:
        query = gql("""
            query ForYou($id: ID, $first: Int!) {
              profile(id: $id) {
                id
                firstName
                version
                preferences {
                  key
                  value
                  label
                  like
                  weight
                  source
                  touchpoint
                  reason
                }
                recommendations(touchpoint: KIOSK, first: $first) {
                  score
                  reason
                  recommendationId
                  personal
                  product {
                    ...ProductCard
                  }
                }
              }
            }

            fragment ProductCard on Product {
              sku
              name
              price
              description
              inStock
              tags
              category {
                slug
                name
              }
            }
            """)
        variables: dict[str, object] = {"id": id, "first": first}
        response = await self.execute(
            query=query, operation_name="ForYou", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return ForYou.model_validate(data)

    async def recommendation_center(
        self, id: str | UnsetType | None = UNSET, **kwargs: Any
    ) -> RecommendationCenter:
        query = gql("""
            query RecommendationCenter($id: ID) {
              recommendationCenter(touchpoint: KIOSK, profileId: $id) {
                personal
                groups {
                  title
                  reason
                  items {
                    score
                    reason
                    recommendationId
                    personal
                    product {
                      ...ProductCard
                    }
                  }
                }
              }
            }

            fragment ProductCard on Product {
              sku
              name
              price
              description
              inStock
              tags
              category {
                slug
                name
              }
            }
            """)
        variables: dict[str, object] = {"id": id}
        response = await self.execute(
            query=query,
            operation_name="RecommendationCenter",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return RecommendationCenter.model_validate(data)

    async def set_preferences(
        self, profile_id: str, preferences: list[PreferenceInput], **kwargs: Any
    ) -> SetPreferences:
        query = gql("""
            mutation SetPreferences($profileId: ID!, $preferences: [PreferenceInput!]!) {
              setPreferences(
                profileId: $profileId
                touchpoint: KIOSK
                preferences: $preferences
              ) {
                userErrors {
                  ...Problem
                }
              }
            }

            fragment Problem on UserError {
              field
              code
              message
            }
            """)
        variables: dict[str, object] = {
            "profileId": profile_id,
            "preferences": preferences,
        }
        response = await self.execute(
            query=query, operation_name="SetPreferences", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return SetPreferences.model_validate(data)

    async def set_consent(
        self, profile_id: str, purpose: ConsentPurpose, granted: bool, **kwargs: Any
    ) -> SetConsent:
        query = gql("""
            mutation SetConsent($profileId: ID!, $purpose: ConsentPurpose!, $granted: Boolean!) {
              setConsent(
                profileId: $profileId
                purpose: $purpose
                granted: $granted
                touchpoint: KIOSK
              ) {
                userErrors {
                  ...Problem
                }
              }
            }

            fragment Problem on UserError {
              field
              code
              message
            }
            """)
        variables: dict[str, object] = {
            "profileId": profile_id,
            "purpose": purpose,
            "granted": granted,
        }
        response = await self.execute(
            query=query, operation_name="SetConsent", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return SetConsent.model_validate(data)

    async def redeem_response_code(self, code: str, **kwargs: Any) -> RedeemResponseCode:
        query = gql("""
            mutation RedeemResponseCode($code: String!) {
              redeemResponseCode(code: $code, touchpoint: KIOSK) {
                redeemed
                firstName
                duplicate
                userErrors {
                  ...Problem
                }
              }
            }

            fragment Problem on UserError {
              field
              code
              message
            }
            """)
        variables: dict[str, object] = {"code": code}
        response = await self.execute(
            query=query,
            operation_name="RedeemResponseCode",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return RedeemResponseCode.model_validate(data)

    async def identify(self, input: IdentifyInput, **kwargs: Any) -> Identify:
        query = gql("""
            mutation Identify($input: IdentifyInput!) {
              identify(input: $input) {
                profile {
                  id
                  firstName
                  displayName
                  version
                }
                merged
                created
                userErrors {
                  ...Problem
                }
              }
            }

            fragment Problem on UserError {
              field
              code
              message
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="Identify", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Identify.model_validate(data)

    async def track(self, events: list[EventInput], **kwargs: Any) -> Track:
        query = gql("""
            mutation Track($events: [EventInput!]!) {
              track(events: $events) {
                accepted
                suppressed
                userErrors {
                  ...Problem
                }
              }
            }

            fragment Problem on UserError {
              field
              code
              message
            }
            """)
        variables: dict[str, object] = {"events": events}
        response = await self.execute(
            query=query, operation_name="Track", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Track.model_validate(data)

    async def profile_changed(
        self, profile_id: str, **kwargs: Any
    ) -> AsyncIterator[ProfileChanged]:
        query = gql("""
            subscription ProfileChanged($profileId: ID!) {
              profileChanged(profileId: $profileId) {
                profileId
                version
                touchpoint
                kind
              }
            }
            """)
        variables: dict[str, object] = {"profileId": profile_id}
        async for data in self.execute_ws(
            query=query, operation_name="ProfileChanged", variables=variables, **kwargs
        ):
            yield ProfileChanged.model_validate(data)

    async def visitor(self, id: str | UnsetType | None = UNSET, **kwargs: Any) -> Visitor:
        query = gql("""
            query Visitor($id: ID) {
              profile(id: $id) {
                id
                firstName
              }
            }
            """)
        variables: dict[str, object] = {"id": id}
        response = await self.execute(
            query=query, operation_name="Visitor", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Visitor.model_validate(data)
