"""``quản trị``: a DIC officer asks for the web dashboard and gets a single-use
login link (issued by ``bot/``, see ``dialogs.turn.DashboardLink``)."""

from __future__ import annotations

import logging

from dialogs import texts
from dialogs.turn import Turn

log = logging.getLogger(__name__)


async def dashboard(turn: Turn) -> None:
    """A DIC officer asks for the web dashboard: a single-use login link."""
    assert turn.officer is not None
    setup = turn.setup
    if turn.officer.role != "dic":
        log.warning("dashboard link refused: officer %s is not dic", turn.officer.id)
        turn.say(texts.DASHBOARD_REFUSED.format(collector=setup.collector))
    elif setup.dashboard_link is None:
        turn.say(texts.DASHBOARD_UNAVAILABLE)
    else:
        url, minutes = await setup.dashboard_link(turn.uow, turn.officer, setup.clock.now())
        turn.say(texts.DASHBOARD_LINK.format(url=url, minutes=minutes))
