from collections.abc import AsyncIterator
from typing import Any

from .add_note import AddNote
from .agent_login import AgentLogin
from .agent_logout import AgentLogout
from .async_base_client import AsyncBaseClient
from .audit_log import AuditLog
from .base_model import UNSET, UnsetType
from .categories import Categories
from .dismiss_duplicate import DismissDuplicate
from .enums import ConsentPurpose
from .export_profile import ExportProfile
from .find_products import FindProducts
from .find_profile import FindProfile
from .get_profile import GetProfile
from .get_profile_card import GetProfileCard
from .identity_conflicts import IdentityConflicts
from .input_types import EventInput, IdentifierInput, PreferenceInput
from .link_profiles import LinkProfiles
from .next_best_actions import NextBestActions
from .possible_duplicates import PossibleDuplicates
from .profile_changed import ProfileChanged
from .redeem_response_code import RedeemResponseCode
from .respond_to_next_best_action import RespondToNextBestAction
from .search_profiles import SearchProfiles
from .session_check import SessionCheck
from .set_consent import SetConsent
from .set_preferences import SetPreferences
from .split_profile import SplitProfile
from .track import Track


def gql(q: str) -> str:
    return q


class HubApi(AsyncBaseClient):
    async def categories(self, **kwargs: Any) -> Categories:
        query = gql("""
            query Categories {
              categories {
                slug
                name
              }
            }
            """)
        variables: dict[str, object] = {}
        response = await self.execute(
            query=query, operation_name="Categories", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Categories.model_validate(data)

    async def find_products(self, search: str, first: int, **kwargs: Any) -> FindProducts:
        query = gql("""
            query FindProducts($search: String!, $first: Int!) {
              products(search: $search, first: $first) {
                sku
                name
              }
            }
            """)
        variables: dict[str, object] = {"search": search, "first": first}
        response = await self.execute(
            query=query, operation_name="FindProducts", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return FindProducts.model_validate(data)

    async def set_preferences(
        self, profile_id: str, preferences: list[PreferenceInput], **kwargs: Any
    ) -> SetPreferences:
        query = gql("""
            mutation SetPreferences($profileId: ID!, $preferences: [PreferenceInput!]!) {
              setPreferences(
                profileId: $profileId
                touchpoint: CALL_CENTER
                preferences: $preferences
              ) {
                profile {
                  ...Profile360
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

            fragment Profile360 on Profile {
              ...ProfileCard
              greeting
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
              recentEvents(first: 30) {
                id
                type
                touchpoint
                occurredAt
                productSku
                quantity
                price
                summary
                product {
                  sku
                  name
                }
              }
              notes {
                id
                text
                author
                createdAt
              }
              merges {
                id
                survivorId
                mergedId
                reason
                touchpoint
                createdAt
                splitAt
                identifiersMoved
                eventsMoved
              }
              orderSummary {
                orders
                purchaseLines
                units
                spent
                returns
                refunded
                net
                firstOrderAt
                lastOrderAt
                lastReturnAt
              }
              segments {
                segment {
                  id
                  name
                  description
                }
                reason
              }
              recommendations(touchpoint: CALL_CENTER, first: 5) {
                product {
                  sku
                  name
                }
                score
                reason
                recommendationId
                kind
                personal
              }
              giftRegistries {
                code
                title
                occasion
                eventDate
                remaining
                items {
                  sku
                  wanted
                  bought
                  remaining
                  product {
                    name
                  }
                }
              }
            }

            fragment ProfileCard on Profile {
              id
              firstName
              lastName
              displayName
              salutation
              identifiers {
                kind
                value
              }
              version
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
                touchpoint: CALL_CENTER
              ) {
                profile {
                  ...Profile360
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

            fragment Profile360 on Profile {
              ...ProfileCard
              greeting
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
              recentEvents(first: 30) {
                id
                type
                touchpoint
                occurredAt
                productSku
                quantity
                price
                summary
                product {
                  sku
                  name
                }
              }
              notes {
                id
                text
                author
                createdAt
              }
              merges {
                id
                survivorId
                mergedId
                reason
                touchpoint
                createdAt
                splitAt
                identifiersMoved
                eventsMoved
              }
              orderSummary {
                orders
                purchaseLines
                units
                spent
                returns
                refunded
                net
                firstOrderAt
                lastOrderAt
                lastReturnAt
              }
              segments {
                segment {
                  id
                  name
                  description
                }
                reason
              }
              recommendations(touchpoint: CALL_CENTER, first: 5) {
                product {
                  sku
                  name
                }
                score
                reason
                recommendationId
                kind
                personal
              }
              giftRegistries {
                code
                title
                occasion
                eventDate
                remaining
                items {
                  sku
                  wanted
                  bought
                  remaining
                  product {
                    name
                  }
                }
              }
            }

            fragment ProfileCard on Profile {
              id
              firstName
              lastName
              displayName
              salutation
              identifiers {
                kind
                value
              }
              version
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

    async def add_note(
        self,
        profile_id: str,
        text: str,
        message_id: str | UnsetType | None = UNSET,
        **kwargs: Any,
    ) -> AddNote:
        query = gql("""
            mutation AddNote($profileId: ID!, $text: String!, $messageId: String) {
              addNote(profileId: $profileId, text: $text, messageId: $messageId) {
                duplicate
                profile {
                  ...Profile360
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

            fragment Profile360 on Profile {
              ...ProfileCard
              greeting
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
              recentEvents(first: 30) {
                id
                type
                touchpoint
                occurredAt
                productSku
                quantity
                price
                summary
                product {
                  sku
                  name
                }
              }
              notes {
                id
                text
                author
                createdAt
              }
              merges {
                id
                survivorId
                mergedId
                reason
                touchpoint
                createdAt
                splitAt
                identifiersMoved
                eventsMoved
              }
              orderSummary {
                orders
                purchaseLines
                units
                spent
                returns
                refunded
                net
                firstOrderAt
                lastOrderAt
                lastReturnAt
              }
              segments {
                segment {
                  id
                  name
                  description
                }
                reason
              }
              recommendations(touchpoint: CALL_CENTER, first: 5) {
                product {
                  sku
                  name
                }
                score
                reason
                recommendationId
                kind
                personal
              }
              giftRegistries {
                code
                title
                occasion
                eventDate
                remaining
                items {
                  sku
                  wanted
                  bought
                  remaining
                  product {
                    name
                  }
                }
              }
            }

            fragment ProfileCard on Profile {
              id
              firstName
              lastName
              displayName
              salutation
              identifiers {
                kind
                value
              }
              version
            }
            """)
        variables: dict[str, object] = {
            "profileId": profile_id,
            "text": text,
            "messageId": message_id,
        }
        response = await self.execute(
            query=query, operation_name="AddNote", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return AddNote.model_validate(data)

    async def track(self, events: list[EventInput], **kwargs: Any) -> Track:
        query = gql("""
            mutation Track($events: [EventInput!]!) {
              track(events: $events) {
                accepted
                duplicates
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

    async def redeem_response_code(
        self, code: str, profile_id: str, **kwargs: Any
    ) -> RedeemResponseCode:
        query = gql("""
            mutation RedeemResponseCode($code: String!, $profileId: ID!) {
              redeemResponseCode(code: $code, touchpoint: CALL_CENTER, profileId: $profileId) {
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
        variables: dict[str, object] = {"code": code, "profileId": profile_id}
        response = await self.execute(
            query=query,
            operation_name="RedeemResponseCode",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return RedeemResponseCode.model_validate(data)

    async def next_best_actions(
        self, profile_id: str, first: int, **kwargs: Any
    ) -> NextBestActions:
        query = gql("""
            query NextBestActions($profileId: ID!, $first: Int!) {
              nextBestActions(profileId: $profileId, first: $first) {
                id
                kind
                title
                script
                reason
                priority
                product {
                  sku
                  name
                }
                recommendationId
              }
            }
            """)
        variables: dict[str, object] = {"profileId": profile_id, "first": first}
        response = await self.execute(
            query=query, operation_name="NextBestActions", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return NextBestActions.model_validate(data)

    async def respond_to_next_best_action(
        self, profile_id: str, action_id: str, accepted: bool, **kwargs: Any
    ) -> RespondToNextBestAction:
        query = gql("""
            mutation RespondToNextBestAction($profileId: ID!, $actionId: ID!, $accepted: Boolean!) {
              respondToNextBestAction(
                profileId: $profileId
                actionId: $actionId
                accepted: $accepted
                touchpoint: CALL_CENTER
              ) {
                accepted
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
            "actionId": action_id,
            "accepted": accepted,
        }
        response = await self.execute(
            query=query,
            operation_name="RespondToNextBestAction",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return RespondToNextBestAction.model_validate(data)

    async def export_profile(self, profile_id: str, **kwargs: Any) -> ExportProfile:
        query = gql("""
            mutation ExportProfile($profileId: ID!) {
              exportProfile(profileId: $profileId) {
                document
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
            query=query, operation_name="ExportProfile", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return ExportProfile.model_validate(data)

    async def identity_conflicts(self, first: int, **kwargs: Any) -> IdentityConflicts:
        query = gql("""
            query IdentityConflicts($first: Int!) {
              identityConflicts(first: $first) {
                id
                kind
                value
                profileIds
                touchpoint
                status
                createdAt
              }
            }
            """)
        variables: dict[str, object] = {"first": first}
        response = await self.execute(
            query=query,
            operation_name="IdentityConflicts",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return IdentityConflicts.model_validate(data)

    async def possible_duplicates(self, first: int, **kwargs: Any) -> PossibleDuplicates:
        query = gql("""
            query PossibleDuplicates($first: Int!) {
              possibleDuplicates(first: $first) {
                id
                reason
                evidence
                profileIds
                createdAt
              }
            }
            """)
        variables: dict[str, object] = {"first": first}
        response = await self.execute(
            query=query,
            operation_name="PossibleDuplicates",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return PossibleDuplicates.model_validate(data)

    async def dismiss_duplicate(self, id: str, **kwargs: Any) -> DismissDuplicate:
        query = gql("""
            mutation DismissDuplicate($id: ID!) {
              dismissDuplicate(id: $id) {
                dismissed
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
        variables: dict[str, object] = {"id": id}
        response = await self.execute(
            query=query,
            operation_name="DismissDuplicate",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return DismissDuplicate.model_validate(data)

    async def link_profiles(self, profile_ids: list[str], **kwargs: Any) -> LinkProfiles:
        query = gql("""
            mutation LinkProfiles($profileIds: [ID!]!) {
              linkProfiles(profileIds: $profileIds) {
                profile {
                  ...Profile360
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

            fragment Profile360 on Profile {
              ...ProfileCard
              greeting
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
              recentEvents(first: 30) {
                id
                type
                touchpoint
                occurredAt
                productSku
                quantity
                price
                summary
                product {
                  sku
                  name
                }
              }
              notes {
                id
                text
                author
                createdAt
              }
              merges {
                id
                survivorId
                mergedId
                reason
                touchpoint
                createdAt
                splitAt
                identifiersMoved
                eventsMoved
              }
              orderSummary {
                orders
                purchaseLines
                units
                spent
                returns
                refunded
                net
                firstOrderAt
                lastOrderAt
                lastReturnAt
              }
              segments {
                segment {
                  id
                  name
                  description
                }
                reason
              }
              recommendations(touchpoint: CALL_CENTER, first: 5) {
                product {
                  sku
                  name
                }
                score
                reason
                recommendationId
                kind
                personal
              }
              giftRegistries {
                code
                title
                occasion
                eventDate
                remaining
                items {
                  sku
                  wanted
                  bought
                  remaining
                  product {
                    name
                  }
                }
              }
            }

            fragment ProfileCard on Profile {
              id
              firstName
              lastName
              displayName
              salutation
              identifiers {
                kind
                value
              }
              version
            }
            """)
        variables: dict[str, object] = {"profileIds": profile_ids}
        response = await self.execute(
            query=query, operation_name="LinkProfiles", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return LinkProfiles.model_validate(data)

    async def split_profile(self, merge_id: str, **kwargs: Any) -> SplitProfile:
        query = gql("""
            mutation SplitProfile($mergeId: ID!) {
              splitProfile(mergeId: $mergeId) {
                survivor {
                  ...Profile360
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

            fragment Profile360 on Profile {
              ...ProfileCard
              greeting
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
              recentEvents(first: 30) {
                id
                type
                touchpoint
                occurredAt
                productSku
                quantity
                price
                summary
                product {
                  sku
                  name
                }
              }
              notes {
                id
                text
                author
                createdAt
              }
              merges {
                id
                survivorId
                mergedId
                reason
                touchpoint
                createdAt
                splitAt
                identifiersMoved
                eventsMoved
              }
              orderSummary {
                orders
                purchaseLines
                units
                spent
                returns
                refunded
                net
                firstOrderAt
                lastOrderAt
                lastReturnAt
              }
              segments {
                segment {
                  id
                  name
                  description
                }
                reason
              }
              recommendations(touchpoint: CALL_CENTER, first: 5) {
                product {
                  sku
                  name
                }
                score
                reason
                recommendationId
                kind
                personal
              }
              giftRegistries {
                code
                title
                occasion
                eventDate
                remaining
                items {
                  sku
                  wanted
                  bought
                  remaining
                  product {
                    name
                  }
                }
              }
            }

            fragment ProfileCard on Profile {
              id
              firstName
              lastName
              displayName
              salutation
              identifiers {
                kind
                value
              }
              version
            }
            """)
        variables: dict[str, object] = {"mergeId": merge_id}
        response = await self.execute(
            query=query, operation_name="SplitProfile", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return SplitProfile.model_validate(data)

    async def get_profile(self, id: str, **kwargs: Any) -> GetProfile:
        query = gql("""
            query GetProfile($id: ID!) {
              profile(id: $id) {
                ...Profile360
              }
            }

            fragment Profile360 on Profile {
              ...ProfileCard
              greeting
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
              recentEvents(first: 30) {
                id
                type
                touchpoint
                occurredAt
                productSku
                quantity
                price
                summary
                product {
                  sku
                  name
                }
              }
              notes {
                id
                text
                author
                createdAt
              }
              merges {
                id
                survivorId
                mergedId
                reason
                touchpoint
                createdAt
                splitAt
                identifiersMoved
                eventsMoved
              }
              orderSummary {
                orders
                purchaseLines
                units
                spent
                returns
                refunded
                net
                firstOrderAt
                lastOrderAt
                lastReturnAt
              }
              segments {
                segment {
                  id
                  name
                  description
                }
                reason
              }
              recommendations(touchpoint: CALL_CENTER, first: 5) {
                product {
                  sku
                  name
                }
                score
                reason
                recommendationId
                kind
                personal
              }
              giftRegistries {
                code
                title
                occasion
                eventDate
                remaining
                items {
                  sku
                  wanted
                  bought
                  remaining
                  product {
                    name
                  }
                }
              }
            }

            fragment ProfileCard on Profile {
              id
              firstName
              lastName
              displayName
              salutation
              identifiers {
                kind
                value
              }
              version
            }
            """)
        variables: dict[str, object] = {"id": id}
        response = await self.execute(
            query=query, operation_name="GetProfile", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return GetProfile.model_validate(data)

    async def find_profile(self, identifier: IdentifierInput, **kwargs: Any) -> FindProfile:
        query = gql("""
            query FindProfile($identifier: IdentifierInput!) {
              profile(identifier: $identifier) {
                ...Profile360
              }
            }

            fragment Profile360 on Profile {
              ...ProfileCard
              greeting
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
              recentEvents(first: 30) {
                id
                type
                touchpoint
                occurredAt
                productSku
                quantity
                price
                summary
                product {
                  sku
                  name
                }
              }
              notes {
                id
                text
                author
                createdAt
              }
              merges {
                id
                survivorId
                mergedId
                reason
                touchpoint
                createdAt
                splitAt
                identifiersMoved
                eventsMoved
              }
              orderSummary {
                orders
                purchaseLines
                units
                spent
                returns
                refunded
                net
                firstOrderAt
                lastOrderAt
                lastReturnAt
              }
              segments {
                segment {
                  id
                  name
                  description
                }
                reason
              }
              recommendations(touchpoint: CALL_CENTER, first: 5) {
                product {
                  sku
                  name
                }
                score
                reason
                recommendationId
                kind
                personal
              }
              giftRegistries {
                code
                title
                occasion
                eventDate
                remaining
                items {
                  sku
                  wanted
                  bought
                  remaining
                  product {
                    name
                  }
                }
              }
            }

            fragment ProfileCard on Profile {
              id
              firstName
              lastName
              displayName
              salutation
              identifiers {
                kind
                value
              }
              version
            }
            """)
        variables: dict[str, object] = {"identifier": identifier}
        response = await self.execute(
            query=query, operation_name="FindProfile", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return FindProfile.model_validate(data)

    async def get_profile_card(self, id: str, **kwargs: Any) -> GetProfileCard:
        query = gql("""
            query GetProfileCard($id: ID!) {
              profile(id: $id) {
                ...ProfileCard
              }
            }

            fragment ProfileCard on Profile {
              id
              firstName
              lastName
              displayName
              salutation
              identifiers {
                kind
                value
              }
              version
            }
            """)
        variables: dict[str, object] = {"id": id}
        response = await self.execute(
            query=query, operation_name="GetProfileCard", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return GetProfileCard.model_validate(data)

    async def search_profiles(self, text: str, first: int, **kwargs: Any) -> SearchProfiles:
        query = gql("""
            query SearchProfiles($text: String!, $first: Int!) {
              searchProfiles(text: $text, first: $first) {
                ...ProfileCard
              }
            }

            fragment ProfileCard on Profile {
              id
              firstName
              lastName
              displayName
              salutation
              identifiers {
                kind
                value
              }
              version
            }
            """)
        variables: dict[str, object] = {"text": text, "first": first}
        response = await self.execute(
            query=query, operation_name="SearchProfiles", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return SearchProfiles.model_validate(data)

    async def audit_log(self, profile_id: str, first: int, **kwargs: Any) -> AuditLog:
        query = gql("""
            query AuditLog($profileId: ID!, $first: Int!) {
              auditLog(profileId: $profileId, first: $first) {
                id
                at
                actor
                channel
                action
                detail
              }
            }
            """)
        variables: dict[str, object] = {"profileId": profile_id, "first": first}
        response = await self.execute(
            query=query, operation_name="AuditLog", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return AuditLog.model_validate(data)

    async def profile_changed(
        self, profile_id: str, **kwargs: Any
    ) -> AsyncIterator[ProfileChanged]:
        query = gql("""
            subscription ProfileChanged($profileId: ID!) {
              profileChanged(profileId: $profileId) {
                ...Change
              }
            }

            fragment Change on ProfileChange {
              profileId
              version
              touchpoint
              kind
              summary
              mergedInto
            }
            """)
        variables: dict[str, object] = {"profileId": profile_id}
        async for data in self.execute_ws(
            query=query, operation_name="ProfileChanged", variables=variables, **kwargs
        ):
            yield ProfileChanged.model_validate(data)

    async def agent_login(self, username: str, password: str, **kwargs: Any) -> AgentLogin:
        query = gql("""
            mutation AgentLogin($username: String!, $password: String!) {
              agentLogin(username: $username, password: $password) {
                token
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
        variables: dict[str, object] = {"username": username, "password": password}
        response = await self.execute(
            query=query, operation_name="AgentLogin", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return AgentLogin.model_validate(data)

    async def agent_logout(self, **kwargs: Any) -> AgentLogout:
        query = gql("""
            mutation AgentLogout {
              agentLogout {
                signedOut
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
        variables: dict[str, object] = {}
        response = await self.execute(
            query=query, operation_name="AgentLogout", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return AgentLogout.model_validate(data)

    async def session_check(self, **kwargs: Any) -> SessionCheck:
        query = gql("""
            query SessionCheck {
              __typename
            }
            """)
        variables: dict[str, object] = {}
        response = await self.execute(
            query=query, operation_name="SessionCheck", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return SessionCheck.model_validate(data)
