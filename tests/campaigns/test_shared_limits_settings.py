"""Where the politeness limits are kept, from the settings: shared through Redis by Celery workers over
a Redis broker, per process otherwise unless a Redis URL is set (docs/campaigns.md)."""

from __future__ import annotations

import asyncio

import pytest

from checks.context import RunState
from checks.limits import LocalLimiter
from checks.shared_limits import RedisLimiter
from cyberreponse.config import ConfigError, Settings
from cyberreponse.services.scan_policy import scan_options


def _limiter_kind(settings: Settings) -> tuple[str, str]:
    options = scan_options(settings)

    async def build() -> str:
        run = RunState(options)
        try:
            return type(run.connector.limiter).__name__
        finally:
            await run.close()

    return asyncio.run(build()), options.shared_limits_url


def test_celery_workers_over_a_redis_broker_share_the_limits_through_it_by_default(
    settings: Settings,
) -> None:
    celery = settings.with_overrides(
        {"jobs.executor": "celery", "jobs.celery_broker_url": "redis://127.0.0.1:6379/3"}
    )
    assert _limiter_kind(celery) == (RedisLimiter.__name__, "redis://127.0.0.1:6379/3")


def test_with_a_rabbitmq_broker_the_limits_stay_per_process_unless_a_redis_url_is_set(
    settings: Settings,
) -> None:
    rabbit = settings.with_overrides(
        {"jobs.executor": "celery", "jobs.celery_broker_url": "amqp://guest@127.0.0.1:5672//"}
    )
    assert _limiter_kind(rabbit) == (LocalLimiter.__name__, "")
    with_redis = rabbit.with_overrides({"scanning.shared_limits_url": "redis://127.0.0.1:6379/4"})
    assert _limiter_kind(with_redis) == (RedisLimiter.__name__, "redis://127.0.0.1:6379/4")


def test_the_in_process_executor_needs_no_redis_by_default(settings: Settings) -> None:
    assert settings.get_str("jobs.executor") == "inprocess"
    assert _limiter_kind(settings) == (LocalLimiter.__name__, "")


def test_inprocess_keeps_the_limits_per_process_even_with_celery_over_redis(settings: Settings) -> None:
    forced = settings.with_overrides({"jobs.executor": "celery", "scanning.shared_limits_url": "inprocess"})
    assert _limiter_kind(forced) == (LocalLimiter.__name__, "")


@pytest.mark.parametrize("value", ["amqp://127.0.0.1//", "127.0.0.1:6379", "redis"])
def test_a_shared_limits_store_that_is_not_redis_is_refused_with_the_key_named(
    settings: Settings, value: str
) -> None:
    with pytest.raises(ConfigError, match=r"scanning\.shared_limits_url"):
        settings.with_overrides({"scanning.shared_limits_url": value})
