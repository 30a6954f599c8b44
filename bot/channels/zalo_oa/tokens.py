"""The OA's access/refresh token pair: kept in the database, refreshed ahead of expiry
and after a refusal, by one process at a time; installed by hand."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from sqlalchemy.exc import IntegrityError

from bot.channels.zalo_oa.config import TOKENS_KEY, OAConfig, ZaloOAError, check
from dialogs.ports import Clock, DeliveryError
from storage.uow import SqlUnitOfWork

log = logging.getLogger("bot.channels.zalo_oa")


class TokenRefused(DeliveryError):
    """Zalo's OAuth server refused the stored refresh token: only a person can install a
    new pair (``baocao zalo set-token``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, permanent=True)


class TokenStore:
    """The OA's access/refresh token pair, kept in the database for every process.

    The access token lasts about 25 h; the refresh token about 3 months and is single
    use (field-vn/zalo README; zalo-java-sdk). A refresh happens ahead of expiry
    (:meth:`keep_fresh`, from the stored ``expires_at``) and after a refusal. Only one
    process refreshes at a time: it takes a short lease in the stored state (under the
    row lock, committed at once), calls the OAuth server holding no database lock,
    then stores the new pair. Others wait for the lease and use the stored pair.
    A refused refresh token is recorded (``refused_at``): the DIC is told
    (:attr:`on_refused`), and nothing refreshes until a new pair is installed.
    """

    #: how long a refresh may take before another process may try
    LEASE = dt.timedelta(seconds=60)
    #: refresh this long before the access token expires
    AHEAD = dt.timedelta(hours=2)
    #: look at the stored pair at least this often (another process may have changed it)
    max_check = dt.timedelta(hours=1)

    def __init__(self, config: OAConfig, uow_factory: Callable[[], SqlUnitOfWork],
                 clock: Clock, http: httpx.AsyncClient, *, wait_step: float = 0.1) -> None:
        self.config = config
        self.uow_factory = uow_factory
        self.clock = clock
        self.http = http
        self.wait_step = wait_step
        self._cached: str | None = None  # a cache only: the database is the truth
        #: called once with the reason when the refresh token is refused
        self.on_refused: Callable[[str], Awaitable[None]] | None = None

    async def current(self) -> str:
        if self._cached is None:
            self._cached = (await self._load())["access_token"]
        return self._cached

    async def state(self) -> dict[str, Any]:
        """The stored pair and its metadata (``expires_at``, ``updated_at``, ``refused_at``)."""
        return await self._load()

    async def _load(self) -> dict[str, Any]:
        async with self.uow_factory() as uow:
            state = await uow.channel_state.get(TOKENS_KEY)
        if state is not None and (state.get("seed") == self.config.refresh_token
                                  or state.get("installed")):
            return state
        # Nothing stored yet, or the operator configured a new pair: store it.
        try:
            async with self.uow_factory() as uow:
                state = await uow.channel_state.get(TOKENS_KEY, lock=True)
                if state is None or (state.get("seed") != self.config.refresh_token
                                     and not state.get("installed")):
                    state = {"access_token": self.config.access_token,
                             "refresh_token": self.config.refresh_token,
                             "seed": self.config.refresh_token,
                             "updated_at": self.clock.now().isoformat()}
                    await uow.channel_state.put(TOKENS_KEY, state, self.clock.now())
                    await uow.commit()
        except IntegrityError:  # another process stored the first pair at the same moment
            return await self._load()
        return state

    async def refresh(self, failed: str | None) -> str:
        """A valid access token after ``failed`` was refused (None: ahead of expiry):
        the one another process stored meanwhile, or a new pair from the refresh token."""
        await self._load()  # make sure a row exists to lock
        while True:
            now = self.clock.now()
            async with self.uow_factory() as uow:
                state = await uow.channel_state.get(TOKENS_KEY, lock=True)
                assert state is not None
                if state.get("refused_at"):
                    raise TokenRefused(str(state.get("refused_reason") or "refresh refused"))
                if failed is not None and state["access_token"] != failed:
                    self._cached = state["access_token"]  # someone refreshed already
                    return self._cached
                if failed is None and not self.due(state, now):
                    self._cached = state["access_token"]
                    return self._cached
                leased = state.get("refreshing_until")
                if not leased or dt.datetime.fromisoformat(leased) <= now:
                    state = {**state, "refreshing_until": (now + self.LEASE).isoformat()}
                    await uow.channel_state.put(TOKENS_KEY, state, now)
                    await uow.commit()
                    break
            await asyncio.sleep(self.wait_step)  # another process is refreshing: wait for it
        try:
            return await self._refresh_with(state)
        finally:
            await self._release()

    async def _refresh_with(self, state: dict[str, Any]) -> str:
        """The OAuth call (no database lock held), then the new pair stored."""
        try:
            response = await self.http.post(
                f"{self.config.oauth_url}/v4/oa/access_token",
                headers={"secret_key": self.config.app_secret},
                data={"refresh_token": state["refresh_token"],
                      "app_id": self.config.app_id, "grant_type": "refresh_token"},
            )
            body = check(response)
        except httpx.HTTPError as exc:
            log.error("Zalo OA: the OAuth server is unreachable: %s", exc)
            raise DeliveryError(f"token refresh failed: {exc}") from exc
        except ZaloOAError as exc:
            await self._refused(f"Zalo từ chối mã làm mới (refresh token): {exc.code} "
                                f"{exc.message}")
            raise TokenRefused(f"refresh token refused: {exc}") from exc
        if not body.get("access_token") or not body.get("refresh_token"):
            raise DeliveryError("token refresh failed: no token in the answer")
        now = self.clock.now()
        async with self.uow_factory() as uow:
            stored = await uow.channel_state.get(TOKENS_KEY, lock=True) or state
            new = {**stored, "access_token": body["access_token"],
                   "refresh_token": body["refresh_token"], "updated_at": now.isoformat(),
                   "refreshing_until": None}
            if body.get("expires_in"):  # may arrive as a string
                new["expires_at"] = (now + dt.timedelta(seconds=int(body["expires_in"]))
                                     ).isoformat()
            await uow.channel_state.put(TOKENS_KEY, new, now)
            await uow.commit()
        log.info("Zalo OA: access token refreshed")
        self._cached = new["access_token"]
        return self._cached

    async def _release(self) -> None:
        async with self.uow_factory() as uow:
            state = await uow.channel_state.get(TOKENS_KEY, lock=True)
            if state is not None and state.get("refreshing_until"):
                await uow.channel_state.put(TOKENS_KEY, {**state, "refreshing_until": None},
                                            self.clock.now())
                await uow.commit()

    async def _refused(self, reason: str) -> None:
        now = self.clock.now()
        async with self.uow_factory() as uow:
            state = await uow.channel_state.get(TOKENS_KEY, lock=True) or {}
            first = not state.get("refused_at")
            await uow.channel_state.put(TOKENS_KEY, {**state, "refused_at": now.isoformat(),
                                                     "refused_reason": reason}, now)
            await uow.commit()
        log.error("Zalo OA: %s. Cài cặp mã mới: baocao zalo set-token", reason)
        if first and self.on_refused is not None:
            await self.on_refused(reason)

    def due(self, state: dict[str, Any], now: dt.datetime) -> bool:
        """Whether the stored access token should be refreshed now (unknown expiry: yes)."""
        expires = state.get("expires_at")
        if not expires:
            return True
        return dt.datetime.fromisoformat(expires) - self.AHEAD <= now

    async def keep_fresh(self) -> dt.timedelta:
        """Refresh if the stored token is near expiry; how long until the next check."""
        state = await self._load()
        if state.get("refused_at"):
            return dt.timedelta(minutes=5)
        now = self.clock.now()
        if self.due(state, now):
            await self.refresh(None)
            state = await self._load()
        expires = state.get("expires_at")
        if not expires:
            return dt.timedelta(minutes=5)
        wait = dt.datetime.fromisoformat(expires) - self.AHEAD - now
        return min(max(wait, dt.timedelta(minutes=1)), self.max_check)

    async def run(self) -> None:
        """The service: keep the token fresh even when no message is sent for months."""
        while True:
            try:
                wait = await self.keep_fresh()
            except DeliveryError as exc:
                log.warning("Zalo OA: scheduled token refresh failed: %s", exc.reason)
                wait = dt.timedelta(minutes=5)
            except Exception:
                log.exception("Zalo OA: scheduled token refresh failed")
                wait = dt.timedelta(minutes=5)
            await asyncio.sleep(wait.total_seconds())


async def install_tokens(uow_factory: Callable[[], SqlUnitOfWork], clock: Clock,
                         access_token: str, refresh_token: str,
                         expires_in: int | None = None) -> None:
    """Install a new token pair by hand (``baocao zalo set-token``): it replaces the
    stored one in every process and clears a refusal."""
    now = clock.now()
    state: dict[str, Any] = {"access_token": access_token, "refresh_token": refresh_token,
                             "installed": True, "updated_at": now.isoformat()}
    if expires_in:
        state["expires_at"] = (now + dt.timedelta(seconds=expires_in)).isoformat()
    async with uow_factory() as uow:
        await uow.channel_state.get(TOKENS_KEY, lock=True)
        await uow.channel_state.put(TOKENS_KEY, state, now)
        await uow.commit()
