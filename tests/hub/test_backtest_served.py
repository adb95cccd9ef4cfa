"""The backtest asks for picks the way production serves them: on one store, its answer for a
customer is the answer of `Profile.recommendations` over HTTP, default and newOnly."""

from __future__ import annotations

import pytest

from hub.backtest import run as backtest
from hub.db import Database
from hub.recs import service as recs
from hub.settings import Settings
from hub.weights import Weights
from tests.conftest import HubHandle

QUERY = """query($v: String!, $new: Boolean!) {
  profile(identifier: {kind: CRM_ID, value: $v}) {
    id
    recommendations(touchpoint: WEB, first: 10, context: {newOnly: $new}) { product { sku } }
  }
}"""


@pytest.mark.parametrize("crm_id", ["14740", "15276", "13266"])
async def test_backtest_asks_what_the_resolver_serves(hub: HubHandle, crm_id: str) -> None:
    db = Database(hub.database_url)
    recs.serving.forget()
    try:
        for new_only in (False, True):
            body = hub.gql(QUERY, {"v": crm_id, "new": new_only})
            served = body["data"]["profile"]
            over_http = [r["product"]["sku"] for r in served["recommendations"]]
            asked = await backtest._ask(
                db, served["id"], Weights.from_settings(Settings()), new_only, None
            )
            assert len(over_http) == 10
            assert asked == over_http, (crm_id, new_only)
    finally:
        await db.dispose()
        recs.serving.forget()
