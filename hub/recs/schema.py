"""The Recommendation Center: personal picks grouped by theme, for kiosk and web pages."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.permission import PermissionExtension
from strawberry.types import Info

from hub.actors import Scope
from hub.api.context import Context
from hub.api.enums import Touchpoint
from hub.api.errors import ClientError, from_domain
from hub.api.permissions import OWN_PROFILE_ONLY, Allowed
from hub.errors import DomainError, Problems, check_storable_time
from hub.profiles import service as profiles
from hub.recs import evaluation
from hub.recs import service as recs
from hub.recs.types import Recommendation, RecommendationCenter, RecommendationGroup


@strawberry.type
class RecsQuery:
    @strawberry.field(
        description="Personal picks by theme, each group with its reason; without a profile "
        "(an anonymous shopper) what is popular now.",
        extensions=[PermissionExtension([Allowed(Scope.READ_PROFILE)])],
    )
    async def recommendation_center(
        self,
        info: Info[Context, None],
        touchpoint: Touchpoint,
        profile_id: strawberry.ID | None = None,
    ) -> RecommendationCenter:
        ctx = info.context
        async with ctx.reading() as session:
            profile = await profiles.get_live(session, str(profile_id)) if profile_id else None
            if profile_id is not None and profile is None:
                raise ClientError(
                    f"There is no profile “{profile_id}”.", "NOT_FOUND", ["profileId"]
                )
            if profile is not None and not await ctx.may_see(profile.id):
                raise ClientError(OWN_PROFILE_ONLY, "FORBIDDEN", ["profileId"])
            groups = await recs.center(
                session,
                profile.id if profile else None,
                profile.version if profile else 0,
                ctx.hub.weights,
                holdout_percent=ctx.settings.holdout_percent,
            )
        if profile is not None:
            await ctx.audit_read(profile.id, "Opened the recommendation center")
        return RecommendationCenter(
            profile_id=strawberry.ID(profile.id) if profile else None,
            personal=any(p.personal for g in groups for p in g.picks),
            groups=[
                RecommendationGroup(
                    title=g.title, reason=g.reason, items=[Recommendation.of(p) for p in g.picks]
                )
                for g in groups
            ],
        )


@strawberry.type
class GroupMetrics:
    customers: int
    buyers: int
    orders: int
    revenue: float
    conversion_rate: float
    average_order_value: float
    purchase_frequency: float
    impressions: int
    clicks: int
    click_through_rate: float
    attributed_revenue: float
    attributed_orders: int

    @classmethod
    def of(cls, g: evaluation.GroupStats) -> GroupMetrics:
        return cls(
            customers=g.customers,
            buyers=g.buyers,
            orders=g.orders,
            revenue=round(g.revenue, 2),
            conversion_rate=round(g.conversion, 6),
            average_order_value=round(g.average_order_value, 2),
            purchase_frequency=round(g.frequency, 6),
            impressions=g.impressions,
            clicks=g.clicks,
            click_through_rate=round(g.click_through, 6),
            attributed_revenue=round(g.attributed_revenue, 2),
            attributed_orders=g.attributed_orders,
        )


@strawberry.type(description="Personalised against holdout for one metric.")
class MetricLift:
    metric: str
    personalized: float
    holdout: float
    lift: float | None = strawberry.field(description="personalized / holdout − 1")
    difference_low: float | None = strawberry.field(description="95 % interval, low end")
    difference_high: float | None


@strawberry.type(description="Next best actions of one kind: how callers answered them.")
class ActionResponses:
    kind: str
    accepted: int
    declined: int
    acceptance_rate: float


@strawberry.type
class Evaluation:
    start: datetime
    end: datetime
    holdout_percent: float
    personalized: GroupMetrics
    holdout: GroupMetrics
    lifts: list[MetricLift]
    action_responses: list[ActionResponses] = strawberry.field(
        description="Answers to next best actions in the window, by kind."
    )


@strawberry.type
class EvaluationQuery:
    @strawberry.field(
        description="Personalised customers against the persistent holdout (admins).",
        extensions=[PermissionExtension([Allowed(Scope.ADMIN)])],
    )
    async def evaluation(
        self,
        info: Info[Context, None],
        start: Annotated[datetime, strawberry.argument(name="from")],
        end: Annotated[datetime, strawberry.argument(name="to")],
        touchpoint: Touchpoint | None = None,
    ) -> Evaluation:
        ctx = info.context
        for name, value in (("from", start), ("to", end)):
            if value.tzinfo is None:
                raise ClientError("Give a time zone (e.g. Z).", "INVALID", [name])
        problems = Problems()
        for name, value in (("from", start), ("to", end)):
            check_storable_time(value, (name,), problems)  # e.g. year 10000 in UTC
        if problems.items:
            raise from_domain(DomainError(problems.items))
        if end <= start:
            raise ClientError("“to” must come after “from”.", "INVALID", ["to"])
        async with ctx.reading() as session:
            result = await evaluation.evaluate(
                session,
                start,
                end,
                touchpoint.value if touchpoint else None,
                ctx.settings.holdout_percent,
            )
        return Evaluation(
            start=start,
            end=end,
            holdout_percent=ctx.settings.holdout_percent,
            personalized=GroupMetrics.of(result.personalized),
            holdout=GroupMetrics.of(result.holdout),
            lifts=[
                MetricLift(
                    metric=x.metric,
                    personalized=x.personalized,
                    holdout=x.holdout,
                    lift=x.lift,
                    difference_low=x.low,
                    difference_high=x.high,
                )
                for x in result.lifts
            ],
            action_responses=[
                ActionResponses(
                    kind=a.kind,
                    accepted=a.accepted,
                    declined=a.declined,
                    acceptance_rate=a.acceptance,
                )
                for a in result.actions
            ],
        )
