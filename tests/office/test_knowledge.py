"""``/office/knowledge`` over real HTTP: the list, saving an edit that members then get (in
this worker at once and in another one after its reload), refusals by field, new entry,
retire, history and restore, the zip that ``kb check`` loads, "Try a question", the preview."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bot.app import App
from bot.curation.reload import reloader
from bot.storage import KnowledgeVersion, OfficeAudit
from knowledge.checks import check_base
from knowledge.entries import load_entries
from tests.conversation import Conversation
from tests.office.knowledge_support import entry_form, form_fields, post_entry
from tests.office.support import STAFF, office_client, sign_in

NDA = "ip-nda"
NEW_ANSWER = "Our **new** NDA template lives in the members' area."


async def versions(app: App) -> int:
    async with app.database.transaction() as session:
        return int((await session.execute(select(func.count(KnowledgeVersion.id)))).scalar_one())


async def test_the_list_shows_every_entry_with_its_answers_and_thumbs(make_app: Any) -> None:
    app = await make_app(**STAFF, kb_stale_days=10000)
    chat = Conversation(app.assistant, channel="console", user="anna", locale="de")
    await chat.say("Geheimhaltungsvereinbarung Vorlage?")
    await chat.press("👍")
    async with office_client(app) as client:
        await sign_in(client, app)
        page = await (await client.get("/office/knowledge")).text()
    row = re.search(rf'<tr id="entry-{NDA}"[^>]*>(.*?)</tr>', page, re.S)
    assert row, page[:500]
    assert re.search(r'class="number answered">1<', row.group(1))
    assert re.search(r'class="number up">1<', row.group(1))
    assert "stale" not in row.group(0)
    assert len(re.findall(r'<tr id="entry-', page)) == len(app.services.knowledge.entries)


async def test_an_entry_not_reviewed_for_the_setting_is_marked_stale(
    make_app: Any, clock: Any
) -> None:
    app = await make_app(**STAFF, kb_stale_days=30)
    clock.advance(days=60)
    async with office_client(app) as client:
        await sign_in(client, app)
        page = await (await client.get("/office/knowledge")).text()
    stale = re.findall(r'<tr id="entry-([a-z0-9-]+)" class="stale">', page)
    reviewed = {e.id: e.reviewed for e in app.services.knowledge.entries.values()}
    now = app.services.clock().date()
    assert set(stale) == {i for i, day in reviewed.items() if (now - day).days > 30}
    assert stale


async def test_a_saved_edit_is_answered_here_at_once_and_by_another_worker_after_reload(
    make_app: Any,
) -> None:
    app = await make_app(**STAFF)
    other = await make_app(**STAFF)  # a second worker on the same database
    async with office_client(app) as client:
        await sign_in(client, app)
        response = await post_entry(client, NDA, {"en.answer": NEW_ANSWER})
        assert response.status == 200 and response.url.path == f"/office/knowledge/{NDA}"
        assert "Saved" in await response.text()
    chat = Conversation(app.assistant, channel="console", user="bob", locale="en")
    await chat.say("Is there an NDA template?")
    assert "new" in chat.text and "members' area" in chat.text
    elsewhere = Conversation(other.assistant, channel="console", user="carl", locale="en")
    await elsewhere.say("Is there an NDA template?")
    assert "members' area" not in elsewhere.text  # before its reload comes round
    assert await reloader(other.services).refresh()
    await elsewhere.say("Is there an NDA template?")
    assert "members' area" in elsewhere.text
    restarted = await make_app(**STAFF)  # a restart serves the saved text from the start
    assert restarted.services.knowledge.get(NDA).text("en").answer == NEW_ANSWER
    async with app.database.transaction() as session:
        audit = (await session.execute(select(OfficeAudit))).scalars().all()
    assert [(a.action, a.subject) for a in audit][-1] == ("knowledge_saved", f"knowledge:{NDA}")


async def test_invalid_edits_are_refused_by_field_and_change_nothing(make_app: Any) -> None:
    app = await make_app(**STAFF)
    async with office_client(app) as client:
        await sign_in(client, app)
        other = await entry_form(client, "funding-zim")
        taken = other["en.questions"].split("\n")[0]
        cases = {
            "en-answer": {"en.answer": ""},
            "related": {"related": "ip-before-talks, no-such-entry"},
            "en-questions": {
                "en.questions": (await entry_form(client, NDA))["en.questions"] + "\n" + taken
            },
        }
        for field, change in cases.items():
            response = await post_entry(client, NDA, change)
            page = await response.text()
            assert response.status == 400, field
            problem = re.search(rf'id="problem-{field}"[^>]*>([^<]+)<', page)
            assert problem, (field, page[page.find("refused") : page.find("refused") + 300])
            if field == "related":
                assert "no-such-entry" in problem.group(1)
            if field == "en-questions":
                assert "funding-zim" in problem.group(1)
    assert await versions(app) == 0
    assert app.services.knowledge.get(NDA).related != ("ip-before-talks", "no-such-entry")


async def test_new_entry_retire_history_and_restore(make_app: Any) -> None:
    app = await make_app(**STAFF)
    base = app.services.knowledge
    async with office_client(app) as client:
        await sign_in(client, app)
        values = await entry_form(client, NDA)
        for lang in ("de", "en"):
            values[f"{lang}.questions"] = "\n".join(f"{lang} laser {n} thing?" for n in range(6))
        values.update(id="ip-laser-safety", related="")
        values["en.title"] = "Laser safety"
        response = await client.post("/office/knowledge/new", data=values)
        assert response.url.path == "/office/knowledge/ip-laser-safety", await response.text()
        assert base.get("ip-laser-safety").text("en").title == "Laser safety"
        again = await client.post("/office/knowledge/new", data=values)
        assert again.status == 400 and 'id="problem-id"' in await again.text()

        await post_entry(client, "ip-laser-safety", {"en.title": "Laser safety rules"})
        form = await entry_form(client, "ip-laser-safety")
        response = await client.post(
            "/office/knowledge/ip-laser-safety/retire", data={"csrf": form["csrf"]}
        )
        assert response.url.path == "/office/knowledge" and base.get("ip-laser-safety") is None
        listing = await response.text()
        assert 'id="retired"' in listing and "ip-laser-safety" in listing

        history = await (await client.get("/office/knowledge/ip-laser-safety/history")).text()
        assert 'id="version-3"' in history and "Laser safety rules" in history
        assert re.search(r'class="add">\+  title: Laser safety rules<', history), history
        response = await client.post(
            "/office/knowledge/ip-laser-safety/restore/1", data={"csrf": form["csrf"]}
        )
        assert response.url.path == "/office/knowledge/ip-laser-safety"
    assert base.get("ip-laser-safety").text("en").title == "Laser safety"
    assert await versions(app) == 4


async def test_a_retire_another_entry_relates_to_is_refused(make_app: Any) -> None:
    app = await make_app(**STAFF)
    related_to = next(e for e in app.services.knowledge.entries.values() if e.related)
    target = related_to.related[0]
    async with office_client(app) as client:
        csrf = await sign_in(client, app)
        response = await client.post(f"/office/knowledge/{target}/retire", data={"csrf": csrf})
        page = await response.text()
    assert response.status == 400 and "does not exist" in page
    assert app.services.knowledge.get(target) is not None and await versions(app) == 0


async def test_the_zip_export_loads_with_kb_check(make_app: Any, tmp_path: Path) -> None:
    app = await make_app(**STAFF)
    async with office_client(app) as client:
        await sign_in(client, app)
        await post_entry(client, NDA, {"en.answer": NEW_ANSWER})
        response = await client.get("/office/knowledge/export.zip")
        assert response.headers["Content-Type"] == "application/zip"
        body = await response.read()
    knowledge = tmp_path / "knowledge"
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        archive.extractall(knowledge)
    loaded = load_entries(knowledge / "entries")
    assert loaded.problems == ()
    assert len(loaded.entries) == len(app.services.knowledge.entries)
    assert next(e for e in loaded.entries if e.id == NDA).text("en").answer == NEW_ANSWER
    assert check_base(knowledge, loaded) == []


async def test_try_a_question_says_what_a_member_would_get(make_app: Any) -> None:
    app = await make_app(**STAFF)
    async with office_client(app) as client:
        await sign_in(client, app)
        page = await (
            await client.get("/office/knowledge/try", params={"q": "NDA Vorlage?", "lang": "de"})
        ).text()
        nothing = await (
            await client.get("/office/knowledge/try", params={"q": "minimum wage in Canada?"})
        ).text()
    assert 'id="decision">answer<' in page and f'id="entry">{NDA}<' in page
    assert "the member gets the entry" in page
    assert 'id="decision">fallback<' in nothing or 'id="decision">off_topic<' in nothing


async def test_the_preview_renders_the_answer_as_telegram_shows_it(make_app: Any) -> None:
    app = await make_app(**STAFF)
    async with office_client(app) as client:
        csrf = await sign_in(client, app)
        answer = "**Bold** <script> write to {{ office.email }}"
        response = await client.post(
            "/office/knowledge/preview", data={"csrf": csrf, "answer": answer, "lang": "en"}
        )
        text = await response.text()
        refused = await client.post("/office/knowledge/preview", data={"answer": "x"})
    assert "<b>Bold</b>" in text and "&lt;script&gt;" in text
    assert app.settings.office_contact_email in text
    assert refused.status == 403


async def test_the_pages_speak_german_for_german_staff(make_app: Any) -> None:
    app = await make_app(**{**STAFF, "staff_language": "de"})
    await Conversation(app.assistant, channel="console", user="anna", locale="de").say(
        "Wie hoch ist der Mindestlohn in Kanada?"
    )
    pages = {
        "/office/knowledge": "Wissensbasis",
        f"/office/knowledge/{NDA}": "Beispielfragen",
        "/office/knowledge/new": "Neuer Eintrag",
        f"/office/knowledge/{NDA}/history": "Verlauf",
        "/office/knowledge/try?q=NDA": "Kandidaten",
        "/office/gaps": "Unbeantwortete Fragen",
    }
    async with office_client(app) as client:
        await sign_in(client, app)
        for path, words in pages.items():
            response = await client.get(path)
            assert response.status == 200 and words in await response.text(), path


async def test_a_save_over_a_colleagues_newer_version_is_refused_until_saved_again(
    make_app: Any,
) -> None:
    app = await make_app(**STAFF)
    async with office_client(app) as client:
        await sign_in(client, app)
        opened = await entry_form(client, NDA)  # Sven opens the entry …
        await post_entry(client, NDA, {"en.title": "A colleague's title"})  # … it changes
        mine = {**opened, "en.title": "Sven's title"}
        response = await client.post(f"/office/knowledge/{NDA}", data=mine)
        page = await response.text()
        assert response.status == 400 and "Someone else saved this entry" in page
        assert app.services.knowledge.get(NDA).text("en").title == "A colleague's title"
        again = form_fields(page)
        assert again["en.title"] == "Sven's title" and again["version"] == "1"
        response = await client.post(f"/office/knowledge/{NDA}", data=again)
        assert response.url.path == f"/office/knowledge/{NDA}"
    assert app.services.knowledge.get(NDA).text("en").title == "Sven's title"
    assert await versions(app) == 2


async def test_bad_addresses_and_values_get_a_clear_answer(make_app: Any) -> None:
    app = await make_app(**STAFF)
    async with office_client(app) as client:
        csrf = await sign_in(client, app)
        for path in ("/office/knowledge/no-such-entry", "/office/knowledge/no-such-entry/history"):
            assert (await client.get(path)).status == 404, path
        for path in (
            "/office/knowledge/no-such-entry",
            "/office/knowledge/no-such-entry/retire",
            f"/office/knowledge/{NDA}/restore/99",
        ):
            assert (await client.post(path, data={"csrf": csrf})).status == 404, path
        values = {**(await entry_form(client, NDA)), "id": "Not An Id"}
        response = await client.post("/office/knowledge/new", data=values)
        assert response.status == 400 and 'id="problem-id"' in await response.text()
        odd = await client.get("/office/knowledge/try", params={"q": "x" * 5000, "lang": "xx"})
        assert odd.status == 200
        empty = await client.post("/office/knowledge/preview", data={"csrf": csrf})
        assert empty.status == 200
        broken = await client.post(
            "/office/knowledge/preview", data={"csrf": csrf, "answer": "{{ nope.x }}"}
        )
        assert 'class="problem"' in await broken.text()
    assert await versions(app) == 0


async def test_the_first_version_diffs_against_the_file_and_the_file_can_be_restored(
    make_app: Any,
) -> None:
    app = await make_app(**STAFF)
    title = app.services.knowledge.get(NDA).text("en").title
    async with office_client(app) as client:
        csrf = await sign_in(client, app)
        await post_entry(client, NDA, {"en.title": "A shorter title"})
        history = await (await client.get(f"/office/knowledge/{NDA}/history")).text()
        changed = re.findall(r'<span class="(add|del)">([^<]*)</span>', history)
        assert [kind for kind, _ in changed] == ["del", "add"], changed  # the title alone
        assert 'id="restore-0"' in history
        response = await client.post(f"/office/knowledge/{NDA}/restore/0", data={"csrf": csrf})
        assert response.url.path == f"/office/knowledge/{NDA}"
    assert app.services.knowledge.get(NDA).text("en").title == title


async def test_a_german_staff_member_reads_a_refused_edits_problem_in_german(
    make_app: Any,
) -> None:
    app = await make_app(**{**STAFF, "staff_language": "de"})
    async with office_client(app) as client:
        await sign_in(client, app)
        response = await post_entry(client, NDA, {"related": "ip-before-talks, no-such-entry"})
        page = await response.text()
    problem = re.search(r'id="problem-related"[^>]*>([^<]+)<', page)
    assert response.status == 400 and problem
    assert problem.group(1) == "Den verwandten Eintrag „no-such-entry“ gibt es nicht."
    assert await versions(app) == 0
