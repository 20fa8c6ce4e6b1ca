"""Signing in to the office: one-time links, sessions, CSRF, and the audit record."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.app import App
from bot.office.staff import StaffMember
from bot.office.tokens import digest
from bot.storage import OfficeAudit, OfficeLink, OfficeSession
from tests.conversation import Clock, Conversation
from tests.office.support import STAFF, STAFF_ID, SVEN, new_link, office_client, sign_in

PAGES = ("/office/", "/office/leads", "/office/leads.csv", "/office/leads/IDEA-2026-0001")


@pytest.fixture
async def app(make_app: Any, database_url: str) -> App:
    """On every backend of the run: the link's one use is one conditional UPDATE."""
    return await make_app(**STAFF, database_url=database_url)


async def test_a_link_signs_in_once_and_then_shows_it_was_used(app: App) -> None:
    link = await new_link(app)
    token = link.rsplit("/", 1)[1]
    async with office_client(app) as client:
        shown = await client.get(link)
        assert shown.status == 200 and "Sven Berger" in await shown.text()
        again = await client.get(link)  # a link preview or a second look uses nothing up
        assert again.status == 200
        signed = await client.post("/office/signin", data={"token": token})
        assert signed.url.path == "/office/leads" and signed.status == 200

    async with office_client(app) as other:  # another browser, the same link
        reused = await other.get(link)
        body = await reused.text()
        assert reused.status == 410 and "used already" in body
        posted = await other.post("/office/signin", data={"token": token})
        assert posted.status == 410
        assert "optobot_office" not in posted.cookies
        leads = await other.get("/office/leads", allow_redirects=False)
        assert leads.status == 303  # signed in nobody
    async with app.database.transaction() as session:
        sessions = (await session.execute(select(OfficeSession))).scalars().all()
    assert len(sessions) == 1


async def test_an_expired_link_signs_nobody_in(app: App, clock: Clock) -> None:
    link = await new_link(app)
    clock.advance(minutes=15)
    async with office_client(app) as client:
        page = await client.get(link)
        assert page.status == 410 and "expired" in await page.text()
        posted = await client.post("/office/signin", data={"token": link.rsplit("/", 1)[1]})
        assert posted.status == 410 and "expired" in await posted.text()
        assert (await client.get("/office/leads", allow_redirects=False)).status == 303


async def test_a_link_fourteen_minutes_old_still_signs_in(app: App, clock: Clock) -> None:
    link = await new_link(app)
    clock.advance(minutes=14, seconds=59)
    async with office_client(app) as client:
        posted = await client.post("/office/signin", data={"token": link.rsplit("/", 1)[1]})
        assert posted.url.path == "/office/leads"


async def test_tokens_are_stored_hashed(app: App) -> None:
    link = await new_link(app)
    token = link.rsplit("/", 1)[1]
    async with office_client(app) as client:
        await client.post("/office/signin", data={"token": token})
        cookie = client.session.cookie_jar.filter_cookies(client.make_url("/office/"))
        session_token = cookie["optobot_office"].value
    async with app.database.transaction() as session:
        [stored_link] = (await session.execute(select(OfficeLink))).scalars().all()
        [stored_session] = (await session.execute(select(OfficeSession))).scalars().all()
    assert stored_link.token_hash == digest(token) and token not in stored_link.token_hash
    assert stored_session.token_hash == digest(session_token)


async def test_every_page_without_a_session_redirects_to_sign_in_and_shows_no_data(
    app: App,
) -> None:
    async with office_client(app) as client:
        for path in PAGES:
            response = await client.get(path, allow_redirects=False)
            assert response.status == 303, path
            assert response.headers["Location"].startswith("/office/signin"), path
        page = await client.get("/office/leads")
        assert page.url.path == "/office/signin" and "/office" in await page.text()
        bare = await client.get("/office", allow_redirects=False)
        assert bare.status in (301, 302, 303, 307, 308)
        posted = await client.post("/office/leads/IDEA-2026-0001/status", data={"verb": "claim"})
        assert posted.url.path == "/office/signin"


async def test_the_cookie_is_httponly_lax_and_secure_only_behind_https(make_app: Any) -> None:
    for public_url, secure in (("https://optobot.example.org", True), (None, False)):
        app = await make_app(**STAFF, public_url=public_url)
        link = await new_link(app)
        assert link.startswith("/office/signin/")
        async with office_client(app) as client:
            posted = await client.post(
                "/office/signin", data={"token": link.rsplit("/", 1)[1]}, allow_redirects=False
            )
            header = posted.headers["Set-Cookie"]
        assert posted.status == 303
        assert "HttpOnly" in header and "SameSite=Lax" in header and "Path=/office" in header
        assert ("Secure" in header) is secure, header


async def test_the_link_is_under_the_public_url_else_the_servers_address(make_app: Any) -> None:
    public = await make_app(**STAFF, public_url="https://optobot.example.org/")
    local = await make_app(**STAFF, http_host="127.0.0.1", http_port=8099)
    for app, start in (
        (public, "https://optobot.example.org/office/signin/"),
        (local, "http://127.0.0.1:8099/office/signin/"),
    ):
        from bot.office.links import sign_in_link

        async with app.database.transaction() as session:
            url = await sign_in_link(session, app.services, SVEN)
        assert url.startswith(start), url


async def test_a_session_ends_after_eight_idle_hours(app: App, clock: Clock) -> None:
    async with office_client(app) as client:
        await sign_in(client, app)
        clock.advance(hours=7, minutes=59)
        assert (await client.get("/office/leads", allow_redirects=False)).status == 200
        clock.advance(hours=7, minutes=59)  # used a moment ago: still alive
        assert (await client.get("/office/leads", allow_redirects=False)).status == 200
        clock.advance(hours=8)
        assert (await client.get("/office/leads", allow_redirects=False)).status == 303


async def test_sign_out_ends_the_session(app: App) -> None:
    async with office_client(app) as client:
        csrf = await sign_in(client, app)
        cookies = client.session.cookie_jar.filter_cookies(client.make_url("/office/"))
        old = cookies["optobot_office"].value
        out = await client.post("/office/signout", data={"csrf": csrf})
        assert out.status == 200 and "signed out" in await out.text()
        assert (await client.get("/office/leads", allow_redirects=False)).status == 303
        client.session.cookie_jar.update_cookies({"optobot_office": old})  # a copied cookie
        assert (await client.get("/office/leads", allow_redirects=False)).status == 303


async def test_a_state_change_without_the_csrf_token_is_refused(app: App) -> None:
    async with office_client(app) as client:
        csrf = await sign_in(client, app)
        for data in ({}, {"csrf": "0" * len(csrf)}, {"csrf": ""}):
            refused = await client.post("/office/signout", data=data)
            assert refused.status == 403, data
            assert "refused" in await refused.text()
        assert (await client.get("/office/leads", allow_redirects=False)).status == 200
        language = await client.post("/office/language", data={"language": "de"})
        assert language.status == 403
        page = await client.get("/office/leads")
        assert '<html lang="en">' in await page.text()  # nothing changed


async def test_removing_a_staff_id_ends_its_sessions(make_app: Any) -> None:
    app = await make_app(**STAFF)
    async with office_client(app) as client:
        await sign_in(client, app)
        app.services.settings.staff_telegram_ids = frozenset({"999"})
        assert (await client.get("/office/leads", allow_redirects=False)).status == 303


async def test_signing_in_and_out_is_recorded_with_who_and_when(app: App, clock: Clock) -> None:
    async with office_client(app) as client:
        csrf = await sign_in(client, app)
        await client.post("/office/language", data={"csrf": csrf, "language": "de"})
        page = await client.get("/office/leads")
        assert '<html lang="de">' in await page.text()
        await client.post("/office/signout", data={"csrf": csrf})
    async with app.database.transaction() as session:
        audit = (await session.execute(select(OfficeAudit).order_by(OfficeAudit.id))).scalars()
        rows = [(a.staff, a.name, a.action, a.at) for a in audit]
    assert rows == [
        (f"telegram:{STAFF_ID}", "Sven Berger", action, clock.now)
        for action in ("signed_in", "language", "signed_out")
    ]


async def test_office_command_gives_staff_a_link_and_others_the_usual_answer(
    app: App,
) -> None:
    staff = Conversation(app.assistant, channel="telegram", user=STAFF_ID, locale="en")
    [reply] = await staff.say("/office")
    assert "/office/signin/" in reply.text and "15 minutes" in reply.text
    url = reply.text.split("](", 1)[1].split(")", 1)[0]
    async with office_client(app) as client:
        page = await client.get("/office/" + url.split("/office/", 1)[1])
        assert page.status == 200 and "Sign in as" in await page.text()

    member = Conversation(app.assistant, channel="telegram", user="10001", locale="en")
    [answer] = await member.say("/office")
    assert "/office/signin" not in answer.text
    [usual] = await member.say("/nosuchcommand")
    assert answer.text == usual.text.replace("nosuchcommand", "office")

    in_group = Conversation(
        app.assistant, channel="telegram", user=STAFF_ID, chat="-100123", private=False, locale="en"
    )
    [group_reply] = await in_group.say("/office")
    assert "/office/signin" not in group_reply.text and "private chat" in group_reply.text
    async with app.database.transaction() as session:
        links = (await session.execute(select(OfficeLink))).scalars().all()
    assert len(links) == 1


async def test_a_slack_staff_member_gets_a_link_too(make_app: Any) -> None:
    app = await make_app(staff_slack_ids="U01STAFF")
    chat = Conversation(app.assistant, channel="slack", user="U01STAFF", locale="en")
    [reply] = await chat.say("/office")
    assert "/office/signin/" in reply.text
    async with app.database.transaction() as session:
        [link] = (await session.execute(select(OfficeLink))).scalars().all()
    assert link.staff == "slack:U01STAFF"


async def test_a_link_for_someone_not_staff_is_never_made(app: App) -> None:
    from bot.office.links import sign_in_link
    from bot.office.staff import NotStaff

    async with app.database.transaction() as session:
        with pytest.raises(NotStaff):
            await sign_in_link(session, app.services, StaffMember("telegram", "10001", "Eve"))


async def test_old_links_and_ended_sessions_are_forgotten_at_the_next_sign_in(
    app: App, clock: Clock
) -> None:
    old = await new_link(app)
    async with office_client(app) as client:
        csrf = await sign_in(client, app)
        await client.post("/office/signout", data={"csrf": csrf})
    clock.advance(hours=23)
    async with office_client(app) as client:
        assert "expired" in await (await client.get(old)).text()  # still says why
    clock.advance(hours=2)
    async with office_client(app) as client:
        await sign_in(client, app)
    async with app.database.transaction() as session:
        links = (await session.execute(select(OfficeLink))).scalars().all()
        sessions = (await session.execute(select(OfficeSession))).scalars().all()
    assert len(links) == 1 and links[0].used_at == clock.now  # only today's
    assert len(sessions) == 1 and sessions[0].ended_at is None
