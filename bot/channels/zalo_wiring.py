"""Wiring of the two Zalo channels from the settings: their outbox channels, webhook
routes and long-running services (Bot Platform polling or webhook registration)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import httpx
from starlette.routing import BaseRoute

from bot.channels import zalo_bot, zalo_oa, zns
from bot.channels.webhook_state import record_webhook
from bot.channels.zalo_alerts import tell_dic_token_refused
from bot.channels.zalo_domain import verification_routes
from bot.downloads import make_download_url
from bot.inbox import Inbox
from bot.settings import Settings
from bot.signed_reports import ReceiveDocument, pdf_link_text, pdf_link_text_elsewhere
from dialogs.ports import Channel, Clock

HTTP_TIMEOUT = httpx.Timeout(20.0, connect=10.0)


@dataclass
class ChannelWiring:
    """What configured channels add to a process."""

    channels: dict[str, Channel] = field(default_factory=dict)  # by name, for the outbox
    routes: list[BaseRoute] = field(default_factory=list)  # webhook routes for the web app
    services: list[Callable[[], Awaitable[None]]] = field(default_factory=list)  # run by `run`
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)


def wire_zalo(settings: Settings, handle: zalo_oa.HandleFn, uow_factory: Callable[[], Any],
              clock: Clock, http: httpx.AsyncClient | None = None,
              inbox: Inbox | None = None,
              receive_document: ReceiveDocument | None = None) -> ChannelWiring:
    """Channels, routes and services of the Zalo channels that ``settings`` configure;
    their webhooks store events in ``inbox`` (one of their own if None); signed report
    PDFs sent as files go to ``receive_document``."""
    wiring = ChannelWiring()
    wiring.routes.extend(verification_routes(settings))  # served even before keys are set
    oa_config = zalo_oa.OAConfig.from_settings(settings)
    bot_config = zalo_bot.BotConfig.from_settings(settings)
    if oa_config is None and bot_config is None:
        return wiring
    if http is None:
        http = httpx.AsyncClient(timeout=HTTP_TIMEOUT)
        wiring.closers.append(http.aclose)
    link_for = partial(make_download_url, settings)
    if inbox is None:
        inbox = Inbox(uow_factory, clock)
    if oa_config is not None:
        tokens = zalo_oa.TokenStore(oa_config, uow_factory, clock, http)
        oa = zalo_oa.ZaloOAChannel(oa_config, tokens, http, uow_factory, clock, link_for,
                                   paid_quota=settings.zalo_oa_paid_quota)
        oa.pdf_link = partial(pdf_link_text, settings.public_url, settings.secret_key)
        wiring.channels[oa.name] = oa
        tokens.on_refused = partial(_tell_dic, uow_factory, clock, oa)
        zns_config = zns.ZnsConfig.from_settings(settings)
        if zns_config is not None:  # reminders to officers' phones, no window needed
            wiring.channels[zns.CHANNEL] = zns.ZnsChannel(zns_config, tokens, http)
        wiring.services.append(tokens.run)  # refresh ahead of expiry, even when idle
        wiring.routes.extend(zalo_oa.webhook_routes(oa_config, handle, oa, inbox,
                                                      receive_document))
    if bot_config is not None:
        api = zalo_bot.ZaloBotApi(bot_config, http)
        bot = zalo_bot.ZaloBotChannel(api, link_for)
        bot.pdf_link = partial(pdf_link_text_elsewhere, settings.public_url, settings.secret_key)
        wiring.channels[bot.name] = bot
        # updates (webhook or polled) are stored in the inbox and handled from there
        inbox.register(zalo_bot.CHANNEL, zalo_bot.inbox_handler(handle, bot))
        if bot_config.webhook_url:
            wiring.routes.extend(zalo_bot.webhook_routes(bot_config, handle, bot, inbox))
        wiring.services.append(partial(
            zalo_bot.start, api, inbox,
            record=partial(record_webhook, uow_factory, clock, zalo_bot.CHANNEL)))
    return wiring


async def _tell_dic(uow_factory: Callable[[], Any], clock: Clock, oa: zalo_oa.ZaloOAChannel,
                    reason: str) -> None:
    await tell_dic_token_refused(uow_factory, clock, oa.peers, reason)
