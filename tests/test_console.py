"""The console chat driven through stdin in a subprocess."""

from pathlib import Path

from tests.cli import chat


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
