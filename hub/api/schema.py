"""The schema, assembled from each domain's Query and Mutation pieces."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    MaskErrors,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from hub.api.errors import ClientError, should_mask
from hub.auth.schema import AuthMutation
from hub.catalog.schema import CatalogQuery
from hub.events.schema import EventMutation
from hub.handoff.schema import HandoffMutation
from hub.identity.schema import (
    DuplicatesMutation,
    DuplicatesQuery,
    IdentityMutation,
    StewardshipMutation,
    StewardshipQuery,
)
from hub.preferences.schema import PreferenceMutation
from hub.privacy.ledger_schema import CorrectionMutation, LedgerMutation, LedgerQuery
from hub.privacy.schema import PrivacyMutation
from hub.profiles.schema import ProfileMutation, ProfileQuery
from hub.realtime.schema import RealtimeSubscription
from hub.recs.schema import EvaluationQuery, RecsQuery
from hub.registry.schema import RegistryMutation, RegistryQuery
from hub.segments.schema import SegmentMutation, SegmentQuery

Query = merge_types(
    "Query",
    (
        ProfileQuery,
        CatalogQuery,
        LedgerQuery,
        StewardshipQuery,
        DuplicatesQuery,
        RecsQuery,
        EvaluationQuery,
        RegistryQuery,
        SegmentQuery,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        IdentityMutation,
        EventMutation,
        PreferenceMutation,
        PrivacyMutation,
        ProfileMutation,
        AuthMutation,
        LedgerMutation,
        CorrectionMutation,
        StewardshipMutation,
        DuplicatesMutation,
        RegistryMutation,
        HandoffMutation,
        SegmentMutation,
    ),
)


class RapportSchema(strawberry.Schema):
    """Strawberry logs every error at ERROR with a traceback; expected ones (a ClientError,
    or anything carrying extensions.code) are answers, not incidents: not logged."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        unexpected = [
            error
            for error in errors
            if not isinstance(error.original_error, ClientError)
            and not (error.extensions or {}).get("code")
        ]
        if unexpected:
            super().process_errors(unexpected, execution_context)


def build_schema(max_depth: int = 12) -> strawberry.Schema:
    # One depth limiter for every request: its validation rule is part of the validation
    # cache's key, so a fresh rule per request would make every validation a miss.
    depth_limiter = QueryDepthLimiter(max_depth=max_depth)
    return RapportSchema(
        query=Query,
        mutation=Mutation,
        subscription=RealtimeSubscription,
        config=StrawberryConfig(auto_camel_case=True),
        # Factories: a fresh extension per request; the parse and validation caches
        # themselves live at module level and are shared.
        extensions=[
            lambda: ParserCache(maxsize=1000),
            lambda: ValidationCache(maxsize=1000),
            lambda: depth_limiter,
            lambda: MaxTokensLimiter(max_token_count=5000),
            lambda: MaskErrors(should_mask_error=should_mask, error_message="Unexpected error."),
        ],
    )


schema = build_schema()
