"""Prometheus metrics (``GET /metrics``) with prometheus-client.

Counters and the latency histogram live in this process (Prometheus scrapes every
replica and sums); the gauges that describe shared state — the outbox, the webhook
inbox — are read from the database at scrape time, so every replica reports the
same, current figure and nothing depends on which process did the work.

What is measured:

``baocao_turns_total{channel,outcome}``
    inbound messages the engine handled (``outcome="ok"``) or failed on (``"error"``);
``baocao_turn_seconds{channel}``
    how long a turn took (histogram);
``baocao_outbox_depth`` / ``baocao_outbox_oldest_age_seconds``
    messages waiting to go out (not delivered, not given up) and the age of the
    oldest that is already due;
``baocao_sends_total{platform,result}``
    outbox deliveries: ``sent``, ``error`` (will retry), ``failed`` (gave up);
``baocao_rate_limited_total{platform}``
    429 / quota answers from a platform (absorbed by a limiter or not);
``baocao_reminders_total{event}``
    reminders ``planned``, ``sent``, ``skipped`` by the scheduler;
``baocao_webhook_inbox_depth``
    webhook events stored but not yet processed — from a source registered with
    :func:`add_gauge_source` by the module that owns that table.

Further gauges read from the database: ``add_gauge_source(name, help, read)`` where
``read(uow_factory)`` is an async function returning a number (``None``: unknown).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dialogs.messages import Inbound, Outbound

log = logging.getLogger(__name__)

REGISTRY = CollectorRegistry(auto_describe=True)

TURNS = Counter("baocao_turns", "Inbound messages handled by the engine",
                ["channel", "outcome"], registry=REGISTRY)
TURN_SECONDS = Histogram(
    "baocao_turn_seconds", "Time to handle one inbound message", ["channel"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY)
SENDS = Counter("baocao_sends", "Outbox deliveries by platform and result",
                ["platform", "result"], registry=REGISTRY)
RATE_LIMITED = Counter("baocao_rate_limited", "429 / quota answers from a platform",
                       ["platform"], registry=REGISTRY)
REMINDERS = Counter("baocao_reminders", "Reminders planned, sent and skipped by the scheduler",
                    ["event"], registry=REGISTRY)
OUTBOX_DEPTH = Gauge("baocao_outbox_depth", "Messages waiting in the outbox",
                     registry=REGISTRY)
OUTBOX_OLDEST = Gauge("baocao_outbox_oldest_age_seconds",
                      "Age of the oldest due, undelivered outbox message (0: none)",
                      registry=REGISTRY)

ReadGauge = Callable[[Callable[[], Any]], Awaitable[float | None]]


@dataclass(slots=True)
class _Source:
    gauge: Gauge
    read: ReadGauge


_SOURCES: dict[str, _Source] = {}


def add_gauge_source(name: str, documentation: str, read: ReadGauge) -> None:
    """Report ``read(uow_factory)`` as the gauge ``name`` on every scrape (idempotent)."""
    if name in _SOURCES:
        _SOURCES[name].read = read
        return
    _SOURCES[name] = _Source(Gauge(name, documentation, registry=REGISTRY), read)


def instrument_turns(
    handle: Callable[[Inbound], Awaitable[list[Outbound]]],
) -> Callable[[Inbound], Awaitable[list[Outbound]]]:
    """``handle`` counting its turns, failures and latency by channel."""

    async def handle_counted(inbound: Inbound) -> list[Outbound]:
        started = time.perf_counter()
        try:
            replies = await handle(inbound)
        except BaseException:
            TURNS.labels(inbound.channel, "error").inc()
            raise
        TURN_SECONDS.labels(inbound.channel).observe(time.perf_counter() - started)
        TURNS.labels(inbound.channel, "ok").inc()
        return replies

    return handle_counted


def is_rate_limit(reason: str) -> bool:
    """Does a channel's delivery error say the platform throttled us?"""
    lowered = reason.lower()
    return "429" in lowered or "retry after" in lowered or "rate limit" in lowered \
        or "quota" in lowered or "flood" in lowered


def count_send(platform: str, error: str | None, *, retrying: bool) -> None:
    if error is None:
        SENDS.labels(platform, "sent").inc()
        return
    SENDS.labels(platform, "error" if retrying else "failed").inc()
    if is_rate_limit(error):
        RATE_LIMITED.labels(platform).inc()


def count_reminders(*, planned: int, sent: int, skipped: int) -> None:
    for event, amount in (("planned", planned), ("sent", sent), ("skipped", skipped)):
        if amount:
            REMINDERS.labels(event).inc(amount)


async def _outbox(uow_factory: Callable[[], Any], now: dt.datetime) -> tuple[int, float]:
    async with uow_factory() as uow:
        depth, oldest = await uow.outbox.depth_and_oldest(now)
    return depth, max(0.0, (now - oldest).total_seconds()) if oldest else 0.0


async def refresh(uow_factory: Callable[[], Any], now: dt.datetime) -> None:
    """Read the database-backed gauges (one failing source leaves the others current)."""
    try:
        depth, age = await _outbox(uow_factory, now)
        OUTBOX_DEPTH.set(depth)
        OUTBOX_OLDEST.set(age)
    except Exception:
        log.exception("metrics: the outbox could not be read")
    for name, source in list(_SOURCES.items()):
        try:
            value = await source.read(uow_factory)
        except Exception:
            log.exception("metrics: gauge %s could not be read", name)
            continue
        if value is not None:
            source.gauge.set(value)


async def exposition(uow_factory: Callable[[], Any], now: dt.datetime) -> tuple[bytes, str]:
    """The body and content type of a ``/metrics`` answer."""
    await refresh(uow_factory, now)
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def value(name: str, **labels: str) -> float:
    """A sample's current value in this process (0 when absent); for tests and benches."""
    found = REGISTRY.get_sample_value(name, labels)
    return float(found or 0.0)


def metrics_route(boot: Any) -> Route:
    """``GET /metrics`` in the Prometheus text format."""

    async def metrics(request: Request) -> Response:
        body, content_type = await exposition(boot.uow_factory, boot.clock.now())
        return Response(body, media_type=content_type, headers={"Cache-Control": "no-store"})

    return Route("/metrics", metrics)
