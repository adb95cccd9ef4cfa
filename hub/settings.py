"""Configuration from the environment (``RAPPORT_*``), read once per process."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "rapport-dev-secret-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAPPORT_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./rapport.db"
    # Hot standbys for reads (PostgreSQL, comma-separated; empty = read from the primary;
    # SQLite ignores it). Queries over HTTP read from a standby, everything else from the
    # primary (hub/replicas.py, docs/scaling.md).
    read_database_urls: str = ""
    # A standby further behind the primary than this is not read from until it catches up.
    read_max_lag_seconds: float = Field(default=5.0, gt=0)
    # How long a read carrying X-Rapport-Consistency waits for the standby to replay it
    # before it reads from the primary instead.
    read_wait_seconds: float = Field(default=0.2, ge=0)
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
    # Sign-in throttling (per hub process, in memory; hub/auth/throttle.py): after this many
    # wrong passwords within the window, per username or per client address (0 = not
    # counted), further attempts are refused for the lockout without a password check.
    # Behind a proxy on another host, set FORWARDED_ALLOW_IPS to it: otherwise every client
    # has the proxy's address.
    login_max_failures: int = Field(default=5, ge=0)
    login_max_failures_per_address: int = Field(default=20, ge=0)
    login_failure_window_seconds: float = Field(default=15 * 60.0, gt=0)
    login_lockout_seconds: float = Field(default=15 * 60.0, ge=0)

    # Outbox delivery (hub/privacy/outbox.py): email by SMTP when RAPPORT_SMTP_HOST is set,
    # every medium (or all but email, beside SMTP) as JSON POSTed to the webhook when set.
    # With neither, development writes messages to the log; production keeps them queued.
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str | None = None  # required with smtp_host, e.g. "Shop <noreply@shop.example>"
    smtp_starttls: bool = True  # required on a plain connection (port 587)
    smtp_tls: bool = False  # TLS from the start (port 465)
    outbox_webhook_url: str | None = None
    # Signs each POST: X-Rapport-Signature: sha256=<hex HMAC-SHA256 of the body>.
    outbox_webhook_secret: SecretStr | None = None
    outbox_timeout_seconds: float = Field(default=10.0, gt=0)

    # Limits
    max_track_batch: int = 1000
    max_string_length: int = 2000
    max_properties_bytes: int = 8192
    max_page_size: int = 100
    max_query_depth: int = 12
    max_body_bytes: int = 2_000_000
    # JSON nesting in a request body or WebSocket message: far past any real input (event
    # properties are refused past 10 levels with a userError at the field), well short of
    # what would exhaust a parser's stack.
    max_json_depth: int = 512
    max_aliases: int = 30
    max_root_fields: int = 20
    # Static cost of one document per channel (see hub/api/limits.py). The heaviest document
    # the kiosk and the agent app send (a full profile with picks, events and segments) costs
    # about 6,500.
    query_cost_budgets: dict[str, int] = Field(
        default_factory=lambda: {
            "web": 10_000,
            "kiosk": 15_000,
            "self": 10_000,
            "callcenter": 30_000,
            "admin": 60_000,
        }
    )
    # Requests per second per key or token (a token bucket per hub process; burst = 2 s worth).
    rate_limits: dict[str, float] = Field(
        default_factory=lambda: {
            "web": 1_000.0,
            "kiosk": 200.0,
            "self": 20.0,
            "callcenter": 100.0,
            "admin": 200.0,
        }
    )
    # Web pages on these origins may call /graphql from the browser (CORS), e.g.
    # '["https://shop.example.com"]' or '["*"]'. Calls carry their key in the Authorization
    # header, never a cookie, so no origin gains a power it did not already hold.
    cors_origins: list[str] = Field(default_factory=list)
    # Schema introspection and "Did you mean …" hints: None = on in dev, off in production.
    introspection: bool | None = None
    # Server pings on graphql-transport-ws sockets (seconds; 0 = none).
    ws_ping_seconds: float = 15.0
    # How long a new socket has to send `connection_init` before it is closed with 4408
    # (graphql-ws's own server allows 3 s; strawberry's default is a minute).
    ws_init_seconds: float = Field(default=10.0, gt=0)
    # Sockets from one client address that may wait to sign in at once, per hub process (a
    # new one past it gets 429); signed-in sockets are not counted (hub/web/gate.py).
    ws_max_waiting: int = Field(default=100, ge=1)
    # Signed-in sockets one key or token may hold at once, per hub process (the next one's
    # `connection_init` is refused with close 4429); 0 = no cap. Large: every shopper of a
    # web site may share its one web key (hub/web/gate.py).
    ws_max_sockets_per_key: int = Field(default=10_000, ge=0)
    # permessage-deflate on sockets: off by default, as Node's `ws` server has it. Its
    # compressor and decompressor are ~50 KiB of a signed-in socket's ~80 (tracemalloc),
    # for messages (profileChanged, a kiosk's queries) mostly a few hundred bytes long.
    ws_compression: bool = False

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
    # PostgreSQL: month partitions of events created ahead of time (hub/events/partitions.py).
    event_partition_months_ahead: int = Field(default=3, ge=0)

    # Recommendations
    holdout_percent: float = Field(
        default=5.0, ge=0, le=50, description="Share of customers kept on non-personal picks"
    )
    retrain_every_hours: float = Field(
        default=24.0,
        ge=0,
        description="Retrain when the serving model is this old (one process of those sharing "
        "the store does it); 0: only `rapport-hub retrain`",
    )
    retrain_on_start: bool = True

    # Demo
    demo_data_path: str = "../shared/data/online_retail_ii_2009_2010.csv.gz"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
