"""Configuration from the environment (``RAPPORT_*``), read once per process."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "rapport-dev-secret-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAPPORT_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./rapport.db"
    env: Literal["dev", "production"] = "dev"
    # Keys the suppression hashes of erased customers; set a long random value in production.
    secret_key: str = DEV_SECRET

    # GraphiQL at /graphiql, served from the hub (no CDN); None: on in dev, off in production.
    graphiql: bool | None = None

    # Identity
    default_region: str = Field(default="GB", description="Region for phone numbers without +CC")

    # Auth
    agent_token_ttl_seconds: int = 8 * 3600
    self_service_token_minutes: float = 15.0
    auth_cache_seconds: float = 5.0

    # Limits
    max_track_batch: int = 1000
    max_string_length: int = 2000
    max_properties_bytes: int = 8192
    max_page_size: int = 100
    max_query_depth: int = 12
    max_body_bytes: int = 2_000_000

    # Learning (implicit affinities)
    affinity_half_life_days: float = 30.0
    weight_view: float = 1.0
    weight_search: float = 0.5
    weight_add_to_cart: float = 3.0
    weight_purchase: float = 5.0
    weight_sample: float = 2.0
    weight_recommendation_clicked: float = 1.0
    weight_recommendation_rejected: float = -1.0
    weight_return: float = -6.0

    # Consent when a customer has not answered, per purpose; marketing stays opt-in unless set,
    # e.g. RAPPORT_CONSENT_DEFAULTS='{"ANALYTICS": false}'.
    consent_defaults: dict[str, bool] = Field(default_factory=dict)

    # Retention (days; see docs/privacy.md)
    event_retention_days: int | None = None
    no_analytics_retention_days: int = 90

    # Recommendations
    holdout_percent: float = Field(
        default=5.0, ge=0, le=50, description="Share of customers kept on non-personal picks"
    )
    retrain_every_hours: float = 24.0
    retrain_on_start: bool = True

    # Demo
    demo_data_path: str = "../shared/data/online_retail_ii_2009_2010.csv.gz"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
