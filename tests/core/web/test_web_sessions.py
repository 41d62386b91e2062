"""Web sign-in primitives against a real aiohttp app on loopback: sessions in the database
(SQLite, PostgreSQL) and in Redis, timeouts, fixation, logout, CSRF and origin checks,
lockouts, TOTP, suspended accounts, constant work for unknown e-mails."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from monopilot_integrations.core.clock import ManualClock
from monopilot_integrations.core.errors import ValidationError
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.web.sessions import (
    CSRF_HEADER,
    INVALID_MESSAGE,
    Account,
    DatabaseSessionStore,
    LockoutPolicy,
    LoginThrottle,
    Outcome,
    PasswordHasher,
    RedisSessionStore,
    SessionManager,
    SessionStore,
    SignIn,
    check_csrf_token,
    check_same_origin,
    normalise_email,
    session_policy,
)
from monopilot_integrations.core.web.sessions import totp as totp_codes
from tests.support import services

PASSWORD = "correct horse battery"
ORG = uuid.UUID("00000000-0000-4000-8000-0000000000a1")


@dataclass
class Users:
    """A user table held in a dict: the smallest AccountDirectory."""

    realm: str
    accounts: dict[str, Account]
    signed_in: list[tuple[uuid.UUID, datetime, str | None, int | None]]

    async def find_by_email(self, email: str) -> Account | None:
        return self.accounts.get(email)

    async def record_sign_in(
        self,
        account: Account,
        *,
        when: datetime,
        new_password_hash: str | None,
        totp_step: int | None,
    ) -> None:
        self.signed_in.append((account.id, when, new_password_hash, totp_step))
        current = self.accounts[account.email]
        self.accounts[account.email] = replace(
            current,
            password_hash=new_password_hash or current.password_hash,
            totp_last_step=totp_step if totp_step is not None else current.totp_last_step,
        )


@pytest.fixture(params=["database", pytest.param("redis", marks=pytest.mark.redis)])
async def store(request: pytest.FixtureRequest, kernel: Kernel) -> AsyncIterator[SessionStore]:
    if request.param == "database":
        yield DatabaseSessionStore(kernel.database)
        return
    url = services.need("redis", services.REDIS_URL)
    redis_store = RedisSessionStore.from_url(url, prefix=f"mp:test:{uuid.uuid4().hex[:8]}:")
    yield redis_store
    await redis_store.close()


@dataclass
class App:
    client: TestClient
    users: Users
    sessions: SessionManager
    sign_in: SignIn
    clock: ManualClock


async def _app(kernel: Kernel, store: SessionStore, clock: ManualClock) -> AsyncIterator[App]:
    hasher = kernel.password_hasher
    account = Account(
        id=uuid.uuid4(),
        email="ana@supplier.example",
        password_hash=await hasher.hash(PASSWORD),
        active=True,
        org_id=ORG,
        claims={"supplier_id": "s-1"},
    )
    users = Users("test-realm", {account.email: account}, [])
    sessions = SessionManager(store, session_policy(kernel.settings, "test-realm"), clock)
    throttle = LoginThrottle(kernel.database, LockoutPolicy(free_failures=3), clock)
    sign_in = SignIn(users, sessions, throttle, hasher, clock)

    async def login(request: web.Request) -> web.Response:
        check_same_origin(request)
        body = await request.json()
        response = web.json_response({})
        result = await sign_in.attempt(
            request,
            response,
            email=body["email"],
            password=body["password"],
            totp_code=body.get("code"),
            address=str(request.remote),
        )
        if result.outcome is not Outcome.SIGNED_IN:
            return web.json_response(
                {"outcome": result.outcome.value, "message": result.message}, status=401
            )
        assert result.session is not None
        response.text = json.dumps({"csrf": result.session.csrf_token})
        return response

    async def me(request: web.Request) -> web.Response:
        session = await sessions.current(request)
        if session is None:
            return web.json_response({"signed_in": False}, status=401)
        return web.json_response({"user": str(session.user_id), **session.claims})

    async def change(request: web.Request) -> web.Response:
        check_same_origin(request)
        session = await sessions.current(request)
        if session is None:
            return web.json_response({}, status=401)
        check_csrf_token(session, request.headers.get(CSRF_HEADER))
        return web.json_response({"changed": True})

    async def logout(request: web.Request) -> web.Response:
        response = web.json_response({"signed_out": True})
        await sessions.end(request, response)
        return response

    async def problems(request: web.Request, handler):  # type: ignore[no-untyped-def]
        from monopilot_integrations.core.web.problems import Problem

        try:
            return await handler(request)
        except Problem as problem:
            return web.json_response({"detail": problem.detail}, status=problem.status_code)

    app = web.Application(middlewares=[web.middleware(problems)])
    app.router.add_post("/login", login)
    app.router.add_get("/me", me)
    app.router.add_post("/change", change)
    app.router.add_post("/logout", logout)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield App(client, users, sessions, sign_in, clock)


@pytest.fixture
async def app(kernel: Kernel, store: SessionStore, clock: ManualClock) -> AsyncIterator[App]:
    async for made in _app(kernel, store, clock):
        yield made


async def _login(app: App, password: str = PASSWORD, **extra: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    response = await app.client.post(
        "/login", json={"email": "Ana@Supplier.example ", "password": password, **extra}
    )
    return response.status, await response.json()


async def test_sign_in_sets_an_http_only_lax_cookie_and_the_session_carries_the_claims(
    app: App,
) -> None:
    response = await app.client.post(
        "/login", json={"email": "Ana@Supplier.example ", "password": PASSWORD}
    )
    assert response.status == 200 and len((await response.json())["csrf"]) >= 43
    (set_cookie,) = response.headers.getall("Set-Cookie")
    assert set_cookie.startswith("mp_test_realm=")
    attributes = {part.strip().lower() for part in set_cookie.split(";")[1:]}
    assert {"httponly", "samesite=lax", "path=/"} <= attributes
    assert "secure" not in attributes  # plain HTTP on loopback; over HTTPS: Secure, __Host-
    me = await app.client.get("/me")
    assert (await me.json())["supplier_id"] == "s-1"
    assert len(app.users.signed_in) == 1


async def test_wrong_password_and_unknown_email_get_the_same_answer(app: App) -> None:
    wrong = await app.client.post(
        "/login", json={"email": "ana@supplier.example", "password": "x" * 14}
    )
    unknown = await app.client.post(
        "/login", json={"email": "nobody@x.example", "password": "x" * 14}
    )
    assert wrong.status == unknown.status == 401
    assert (
        await wrong.json()
        == await unknown.json()
        == {"outcome": "invalid", "message": INVALID_MESSAGE}
    )
    assert (await app.client.get("/me")).status == 401


async def test_a_new_session_id_on_sign_in_and_the_planted_one_is_dead(app: App) -> None:
    await _login(app)
    planted = app.client.session.cookie_jar.filter_cookies(app.client.make_url("/"))[
        "mp_test_realm"
    ].value
    await _login(app)  # signing in again (e.g. after an attacker planted the first cookie)
    fresh = app.client.session.cookie_jar.filter_cookies(app.client.make_url("/"))[
        "mp_test_realm"
    ].value
    assert fresh != planted
    assert await app.sessions.store.get(planted) is None
    assert await app.sessions.store.get(fresh) is not None


async def test_idle_and_absolute_timeouts(app: App) -> None:
    await _login(app)
    app.clock.advance(minutes=29)
    assert (await app.client.get("/me")).status == 200
    app.clock.advance(minutes=29)  # active within every 30 minutes
    assert (await app.client.get("/me")).status == 200
    app.clock.advance(minutes=31)
    assert (await app.client.get("/me")).status == 401  # idle too long

    await _login(app)
    for _ in range(17):  # 8.5 hours of requests every 30 minutes less a minute
        app.clock.advance(minutes=29)
        await app.client.get("/me")
    assert (await app.client.get("/me")).status == 401  # past the absolute 8 hours


async def test_logout_ends_the_session_on_the_server(app: App) -> None:
    await _login(app)
    token = app.client.session.cookie_jar.filter_cookies(app.client.make_url("/"))[
        "mp_test_realm"
    ].value
    assert (await app.client.post("/logout")).status == 200
    assert await app.sessions.store.get(token) is None
    # Replaying the old cookie by hand does not help.
    replay = await app.client.get("/me", headers={"Cookie": f"mp_test_realm={token}"})
    assert replay.status == 401


async def test_end_user_ends_every_session_of_the_user(app: App, kernel: Kernel) -> None:
    await _login(app)
    other = TestClient(app.client.server)
    await other.start_server()
    try:
        await other.post("/login", json={"email": "ana@supplier.example", "password": PASSWORD})
        assert (await other.get("/me")).status == 200
        user = next(iter(app.users.accounts.values())).id
        assert await app.sessions.end_user(user) == 2
        assert (await other.get("/me")).status == 401
        assert (await app.client.get("/me")).status == 401
    finally:
        await other.close()


async def test_csrf_token_and_origin_are_checked(app: App) -> None:
    _, body = await _login(app)
    assert (await app.client.post("/change")).status == 403
    assert (await app.client.post("/change", headers={CSRF_HEADER: "nope"})).status == 403
    ok = await app.client.post("/change", headers={CSRF_HEADER: body["csrf"]})
    assert ok.status == 200
    own = str(app.client.make_url("/")).rstrip("/")
    same = await app.client.post("/change", headers={CSRF_HEADER: body["csrf"], "Origin": own})
    assert same.status == 200
    evil = await app.client.post(
        "/change", headers={CSRF_HEADER: body["csrf"], "Origin": "https://evil.example"}
    )
    assert evil.status == 403 and "Origin" in (await evil.json())["detail"]
    fetch = await app.client.post(
        "/change", headers={CSRF_HEADER: body["csrf"], "Sec-Fetch-Site": "cross-site"}
    )
    assert fetch.status == 403
    # Sign-in itself is protected by the origin check (login CSRF).
    forged = await app.client.post(
        "/login",
        json={"email": "ana@supplier.example", "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
    )
    assert forged.status == 403


async def test_growing_lockouts_for_known_and_unknown_emails(app: App) -> None:
    for email in ("ana@supplier.example", "ghost@nowhere.example"):
        for _ in range(3):
            response = await app.client.post("/login", json={"email": email, "password": "w" * 14})
            assert (await response.json())["outcome"] == "invalid"
        locked = await app.client.post("/login", json={"email": email, "password": PASSWORD})
        body = await locked.json()
        assert body["outcome"] == "locked" and "1 minute" in body["message"]
    app.clock.advance(seconds=61)
    # One more failure after the lock: twice as long.
    await app.client.post("/login", json={"email": "ana@supplier.example", "password": "w" * 14})
    assert await app.sign_in.throttle.locked_for(app.sign_in.realm, "ana@supplier.example") == 120
    app.clock.advance(seconds=121)
    status, _ = await _login(app)
    assert status == 200
    assert await app.sign_in.throttle.locked_for(app.sign_in.realm, "ana@supplier.example") == 0


async def test_a_suspended_account_cannot_sign_in(app: App) -> None:
    email = "ana@supplier.example"
    app.users.accounts[email] = replace(app.users.accounts[email], active=False)
    status, body = await _login(app)
    assert status == 401 and body["outcome"] == "suspended"
    status, body = await _login(app, password="wrong password!")
    assert body["outcome"] == "invalid"  # the suspension is told only to the right password


async def test_totp_second_factor(app: App) -> None:
    email = "ana@supplier.example"
    secret = totp_codes.new_secret()
    app.users.accounts[email] = replace(app.users.accounts[email], totp_secret=secret)
    status, body = await _login(app)
    assert status == 401 and body["message"] == INVALID_MESSAGE
    code = totp_codes.code_at(secret, app.clock.now())
    status, _ = await _login(app, code=code)
    assert status == 200
    status, _ = await _login(app, code=code)  # the same code twice: refused (replay)
    assert status == 401
    app.clock.advance(seconds=30)
    status, _ = await _login(app, code=totp_codes.code_at(secret, app.clock.now()))
    assert status == 200


def test_totp_secret_is_sealed_with_the_keyring(kernel: Kernel) -> None:
    secret = totp_codes.new_secret()
    sealed = totp_codes.seal_secret(kernel.keyring, ORG, secret)
    assert secret not in sealed
    assert totp_codes.open_secret(kernel.keyring, ORG, sealed) == secret
    assert totp_codes.provisioning_uri(secret, email="a@b.example", issuer="MonoPilot").startswith(
        "otpauth://totp/"
    )


async def test_password_hasher_upgrades_bcrypt_and_refuses_bad_passwords() -> None:
    import bcrypt

    hasher = PasswordHasher(time_cost=1, memory_kib=1024)
    legacy = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode()
    result = await hasher.verify(PASSWORD, legacy)
    assert result.ok and result.new_hash is not None and result.new_hash.startswith("$argon2id$")
    assert not (await hasher.verify("x" * 100, legacy)).ok  # over bcrypt's 72 bytes: no error
    assert not (await hasher.verify(PASSWORD, "not a hash")).ok
    assert not (await hasher.verify(PASSWORD, None)).ok
    assert not (await hasher.verify("y" * 10_000, await hasher.hash(PASSWORD))).ok
    for bad in ("short", " " * 20, "z" * 300):
        with pytest.raises(ValidationError):
            await hasher.hash(bad)


def test_normalised_emails() -> None:
    assert normalise_email("  Ana@Supplier.Example ") == "ana@supplier.example"


async def test_purge_forgets_expired_sessions(app: App) -> None:
    await _login(app)
    token = app.client.session.cookie_jar.filter_cookies(app.client.make_url("/"))[
        "mp_test_realm"
    ].value
    app.clock.advance(hours=9)
    await app.sessions.purge()
    if isinstance(app.sessions.store, DatabaseSessionStore):
        assert await app.sessions.store.get(token) is None


def test_the_cookie_is_secure_with_the_host_prefix_over_https(kernel: Kernel) -> None:
    from aiohttp.test_utils import make_mocked_request

    policy = session_policy(kernel.settings, "test-realm")
    https = make_mocked_request("GET", "/", headers={"Host": "portal.example"}, sslcontext=True)  # type: ignore[arg-type]
    response = web.Response()
    policy.set_cookie(https, response, "token")
    morsel = response.cookies["__Host-mp_test_realm"]
    assert morsel["secure"] and morsel["httponly"] and morsel["samesite"] == "Lax"
    assert morsel["path"] == "/" and not morsel["domain"]
    assert policy.cookie_name(https) == "__Host-mp_test_realm"
    assert timedelta(minutes=30) == policy.idle_timeout
