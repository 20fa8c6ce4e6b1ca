"""The console chat driven through stdin in a subprocess."""

import json
import os
import shutil
import signal
import subprocess
from pathlib import Path

from knowledge.catalogue import CATALOGUE_FILE, load
from tests.cli import OPTOBOT, chat, run
from tests.handlers.test_trainings import JAPAN

ROOT = Path(__file__).resolve().parent.parent


def test_start_and_a_numbered_choice_through_stdin(tmp_path: Path) -> None:
    first = chat(["/start"], data_dir=tmp_path)
    assert "Willkommen bei optobot" in first and "  [1] ❓ Frage stellen" in first
    number = next(
        line.split("]")[0].strip(" [") for line in first.splitlines() if "🌐 English" in line
    )
    output = chat(["/start", number, "/help"], data_dir=tmp_path)
    assert "Fine, I'll write to you in English from now on." in output  # pressed by number
    assert "How we work together" in output


def test_a_label_presses_its_button_and_the_language_option_is_a_hint(tmp_path: Path) -> None:
    output = chat(["/start", "🌐 Deutsch"], data_dir=tmp_path, lang="en")
    assert "Welcome to optobot" in output
    assert "ich schreibe Ihnen ab jetzt auf Deutsch" in output


def test_members_are_told_apart_and_state_survives_a_restart(tmp_path: Path) -> None:
    chat(["/language en"], data_dir=tmp_path, user="anke")
    output = chat(["/help"], data_dir=tmp_path, user="anke")
    assert "How we work together" in output
    other = chat(["/help"], data_dir=tmp_path, user="bernd")
    assert "So arbeiten wir zusammen" in other


# issue 27: the first minutes of `make chat` ----------------------------------------------


def test_27_a_fresh_data_dir_offers_the_trainings_without_a_sync(tmp_path: Path) -> None:
    """The README's two commands: nobody has run `optobot trainings sync`."""
    output = chat(["/trainings"], data_dir=tmp_path, lang="en")
    assert "Upcoming trainings" in output and "Business culture Japan" in output
    listed = run("trainings", "list", "--format", "json", data_dir=tmp_path)
    assert len(json.loads(listed.stdout)) == len(load(CATALOGUE_FILE))


def test_27_a_broken_catalogue_keeps_the_stored_trainings_and_warns_on_stderr(
    tmp_path: Path,
) -> None:
    chat(["/help"], data_dir=tmp_path)  # synced from the shipped catalogue
    knowledge = tmp_path / "knowledge"
    shutil.copytree(CATALOGUE_FILE.parent / "entries", knowledge / "entries")
    for shipped in ("synonyms.yaml", "vectors.npz"):
        shutil.copy(CATALOGUE_FILE.parent / shipped, knowledge)
    (knowledge / "trainings.yaml").write_text("trainings:\n  - id: Bad Id\n", encoding="utf-8")
    result = run(
        "chat",
        data_dir=tmp_path,
        stdin="/trainings\n",
        env={"OPTOBOT_KNOWLEDGE_DIR": str(knowledge), "OPTOBOT_DEFAULT_LANGUAGE": "en"},
    )
    assert result.returncode == 0
    assert "Business culture Japan" in result.stdout
    [warning] = result.stderr.splitlines()
    assert "WARNING" in warning and "trainings catalogue not synced" in warning


def test_27_log_lines_go_to_the_data_dir_not_into_the_members_chat(tmp_path: Path) -> None:
    result = run(
        "chat",
        "--lang",
        "en",
        data_dir=tmp_path,
        stdin="What is the minimum wage for laser engineers in Canada?\nForward to the office\n",
    )
    assert result.returncode == 0, result.stderr
    assert "forwarded to the office (reference Q-2026-0001)" in result.stdout
    assert " INFO " not in result.stdout and result.stderr == ""
    logged = (tmp_path / "chat.log").read_text(encoding="utf-8")
    assert "lead Q-2026-0001 (question, console) stored" in logged
    assert "trainings catalogue synced" in logged


def test_27_a_session_delivers_only_its_own_members_messages(tmp_path: Path) -> None:
    chat(
        ["What is the minimum wage for laser engineers in Canada?", "1"],
        data_dir=tmp_path,
        user="fred",
    )
    claimed = run(
        "leads", "set-status", "Q-2026-0001", "claimed", "--by", "Anke", data_dir=tmp_path
    )
    assert claimed.returncode == 0, claimed.stderr
    other = chat(["/help"], data_dir=tmp_path, user="eve", lang="en")
    assert "Q-2026-0001" not in other and "Anke" not in other
    waiting = run("outbox", "list", "--format", "json", data_dir=tmp_path)
    assert [row["status"] for row in json.loads(waiting.stdout)] == ["pending"]
    own = chat(["/help"], data_dir=tmp_path, user="fred", lang="en")
    assert "Q-2026-0001 is now handled by Anke" in own


def test_27_ctrl_c_ends_the_chat_at_once(tmp_path: Path) -> None:
    """No Enter after Ctrl-C: stdin stays open and silent while the signal arrives."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OPTOBOT_")}
    environment["OPTOBOT_DATA_DIR"] = str(tmp_path)
    session = subprocess.Popen(
        [*OPTOBOT, "chat", "--lang", "en"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
        cwd=ROOT,
    )
    try:
        assert session.stdin is not None and session.stdout is not None
        session.stdin.write("/help\n")
        session.stdin.flush()
        assert "How we work together" in session.stdout.readline()
        session.send_signal(signal.SIGINT)
        assert session.wait(timeout=20) == 130
    finally:
        session.kill()
        _, errors = session.communicate()
    assert "Traceback" not in errors


def test_27_a_restart_keeps_the_offices_seat_change_until_the_catalogue_changes(
    tmp_path: Path,
) -> None:
    def seats() -> int:
        listed = run("trainings", "list", "--format", "json", data_dir=tmp_path)
        return next(row["seats"] for row in json.loads(listed.stdout) if row["id"] == JAPAN)

    chat(["/help"], data_dir=tmp_path)
    shipped = seats()
    assert run("trainings", "seats", JAPAN, str(shipped + 6), data_dir=tmp_path).returncode == 0
    chat(["/help"], data_dir=tmp_path)
    assert seats() == shipped + 6  # the same file: not synced again

    knowledge = tmp_path / "knowledge"
    shutil.copytree(CATALOGUE_FILE.parent, knowledge, ignore=shutil.ignore_patterns("*.py"))
    catalogue = knowledge / "trainings.yaml"
    text = catalogue.read_text(encoding="utf-8")
    catalogue.write_text(text.replace("Seminarraum", "Seminarraum 2"), encoding="utf-8")
    chat(["/help"], data_dir=tmp_path, env={"OPTOBOT_KNOWLEDGE_DIR": str(knowledge)})
    assert seats() == shipped  # the file changed: synced, the file's seats again
