"""The schema, assembled from each domain's Query and Mutation pieces."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import strawberry
from graphql import DocumentNode, GraphQLError, OperationDefinitionNode
from strawberry.extensions import (
    DisableIntrospection,
    MaxTokensLimiter,
    QueryDepthLimiter,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.exceptions import CannotGetOperationTypeError
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from hub.api import direct
from hub.api.consistency import Consistency
from hub.api.errors import SEVERAL_OPERATIONS, ClientError, masking
from hub.api.execution import PlainLeaves
from hub.api.limits import QueryLimits
from hub.api.masking import ContactMasking
from hub.api.prepared import (
    PreparedDocuments,
    RemembersPrepared,
    covers,
    over_http,
    run_prepared,
)
from hub.api.validation_cache import DocumentValidationCache, ReportingParserCache
from hub.api.ws_auth import SocketSignIn
from hub.auth.schema import AuthMutation
from hub.campaigns.schema import CampaignMutation, CampaignQuery
from hub.catalog.schema import CatalogQuery
from hub.db import unavailable
from hub.events.schema import EventMutation
from hub.handoff.schema import HandoffMutation
from hub.identity.schema import (
    DuplicatesMutation,
    DuplicatesQuery,
    IdentityCorrectionMutation,
    IdentityMutation,
    StewardshipMutation,
    StewardshipQuery,
)
from hub.preferences.schema import PreferenceCorrectionMutation, PreferenceMutation
from hub.privacy.ledger_schema import LedgerMutation, LedgerQuery
from hub.privacy.schema import PrivacyMutation
from hub.profile360.schema import ProfileCorrectionMutation, ProfileMutation, ProfileQuery
from hub.realtime.schema import RealtimeSubscription
from hub.recs.schema import EvaluationQuery, RecsQuery
from hub.registry.schema import RegistryMutation, RegistryQuery
from hub.segments.schema import SegmentMutation, SegmentQuery
from hub.settings import Settings

log = logging.getLogger("hub.api")

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
        CampaignQuery,
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
        # The corrections a shopper's ledger offers, each in its own domain.
        PreferenceCorrectionMutation,
        IdentityCorrectionMutation,
        ProfileCorrectionMutation,
        StewardshipMutation,
        DuplicatesMutation,
        RegistryMutation,
        HandoffMutation,
        SegmentMutation,
        CampaignMutation,
    ),
)


class RapportSchema(strawberry.Schema):
    """Strawberry logs every error at ERROR with a traceback. Expected ones (a ClientError, or
    anything carrying extensions.code) are answers, not incidents: not logged. A document that
    does not parse or validate is the client's mistake: one line at INFO, no traceback.

    Fields whose resolvers have nothing for strawberry's per-call wrapping to do are called
    straight (`hub.api.direct`); an HTTP operation whose document has run before runs again
    without strawberry's extension runner (`hub.api.prepared`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.exception_handlers:
            direct.install(self._schema, self.config, self.schema_converter.scalar_registry)
        # None when an extension is one `run_prepared` does not stand in for: nothing is
        # prepared then, and every request takes strawberry's way.
        self.prepared = PreparedDocuments() if covers(self.get_extensions()) else None
        self._masking = masking()

    def _create_execution_context(  # type: ignore[override]
        self, query: str | None, allowed_operation_types: Iterable[OperationType], **kwargs: Any
    ) -> ExecutionContext:
        return OneOperation(
            query=query, schema=self, allowed_operations=allowed_operation_types, **_named(kwargs)
        )

    async def execute(  # type: ignore[override]
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        prepared = self.prepared.get(query, operation_name) if self.prepared else None
        allowed = allowed_operation_types
        if (
            prepared is not None
            and query is not None
            and over_http(context_value)
            and (allowed is None or prepared.operation_type in allowed)
        ):
            result = await run_prepared(
                self,
                prepared,
                self._masking,
                query=query,
                variables=variable_values,
                context=context_value,
                root_value=root_value,
                operation_extensions=operation_extensions,
            )
            if result is not None:
                return result
        return await super().execute(
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            allowed_operation_types,
            operation_extensions,
        )

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        unexpected, mistakes = [], []
        for error in errors:
            original = error.original_error
            if isinstance(original, ClientError) or (error.extensions or {}).get("code"):
                continue
            if unavailable(original):
                continue  # one line from the masking, not a traceback per field
            if original is None or isinstance(original, GraphQLError | CannotGetOperationTypeError):
                mistakes.append(error)  # parsing, validation, variables, no such operation
            else:
                unexpected.append(error)
        if mistakes:
            more = f" (and {len(mistakes) - 1} more)" if len(mistakes) > 1 else ""
            log.info("client mistake: %s%s", mistakes[0].message.splitlines()[0], more)
        if unexpected:
            super().process_errors(unexpected, execution_context)


class OneOperation(ExecutionContext):
    """The operation a request runs, by GraphQL's GetOperation: the one named, or, when the
    request names none, the document's only operation. Strawberry would run the first of
    several; a document of several without a name is a request error (graphql-core's own
    `execute` refuses it the same way), answered 400 with what to send."""

    @property
    def operation_name(self) -> str | None:
        if self._provided_operation_name is None and _several(self.graphql_document):
            return None
        return super().operation_name

    @property
    def operation_type(self) -> OperationType:
        if self._provided_operation_name is None and _several(self.graphql_document):
            raise RuntimeError(SEVERAL_OPERATIONS)
        return super().operation_type


def _several(document: DocumentNode | None) -> bool:
    definitions = document.definitions if document is not None else ()
    return sum(isinstance(d, OperationDefinitionNode) for d in definitions) > 1


def _named(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Strawberry's keywords for its execution context, by the names the context takes."""
    renamed = {
        "variable_values": "variables",
        "context_value": "context",
        "operation_name": "provided_operation_name",
    }
    return {renamed.get(name, name): value for name, value in kwargs.items()}


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    settings = settings or Settings()
    # One depth limiter for every request: its validation rule is part of the validation
    # cache's key, so a fresh rule per request would make every validation a miss.
    depth_limiter = QueryDepthLimiter(max_depth=settings.max_query_depth)
    extensions: list[Any] = [
        lambda: ReportingParserCache(maxsize=1000),
        DocumentValidationCache,  # validation once per parsed document
        lambda: depth_limiter,
        lambda: MaxTokensLimiter(max_token_count=5000),
        # After validation (it reads the validated document): aliases, root fields, cost.
        QueryLimits,
        masking,
        SocketSignIn,  # a WebSocket's key or token, checked again for every operation
        ContactMasking,  # shared screens: contact-shaped text masked in every result
        Consistency,  # queries on a standby, read-your-writes tokens (hub/replicas.py)
        # Last: an HTTP operation that reaches execution is kept, to run again without
        # this runner (hub/api/prepared.py does what the ones above do, as plain calls).
        RemembersPrepared,
    ]
    if not introspection_allowed(settings):
        no_introspection = DisableIntrospection()
        extensions.insert(3, lambda: no_introspection)
    return RapportSchema(
        query=Query,
        mutation=Mutation,
        subscription=RealtimeSubscription,
        config=StrawberryConfig(auto_camel_case=True),
        execution_context_class=PlainLeaves,
        # Factories: a fresh extension per request; the parse and validation caches
        # themselves live at module level and are shared.
        extensions=extensions,
    )


def introspection_allowed(settings: Settings) -> bool:
    """Introspection and "Did you mean …" hints: on in dev, off in production unless set."""
    if settings.introspection is not None:
        return settings.introspection
    return settings.env == "dev"


schema = build_schema()
