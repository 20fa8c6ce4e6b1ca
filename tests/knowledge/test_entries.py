"""The knowledge files: the real base is sound, and each kind of mistake is reported with
its file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.cli import main
from knowledge.base import KnowledgeBase
from knowledge.entries import load_entries
from knowledge.problems import Problem
from knowledge.semantic import SHIPPED
from knowledge.text import fold

ENTRIES = Path(__file__).resolve().parents[2] / "knowledge" / "entries"


def copy_base(tmp_path: Path) -> Path:
    """The entries and their shipped vectors (as deployed), so no test encodes them anew."""
    target = tmp_path / "entries"
    shutil.copytree(ENTRIES, target)
    shutil.copy(ENTRIES.parent / SHIPPED, tmp_path / SHIPPED)
    return target


def test_the_real_base_has_no_problems_and_every_entry_of_the_spec() -> None:
    loaded = load_entries(ENTRIES)
    assert loaded.problems == ()
    ids = {entry.id for entry in loaded.entries}
    assert len(ids) == 31
    assert {"funding-zim", "ip-export-control", "assistant-privacy"} <= ids


def test_problem_prints_file_and_line() -> None:
    assert str(Problem("a.yaml", 3, "bad")) == "a.yaml:3: bad"
    assert str(Problem("a.yaml", None, "bad")) == "a.yaml: bad"


def test_unknown_field_missing_language_and_bad_related_are_reported(tmp_path: Path) -> None:
    entries = copy_base(tmp_path)
    path = entries / "ip-nda.yaml"
    text = path.read_text().replace("topic: ip\n", "topic: ip\ncolour: blue\n")
    text = text.replace("related: [", "related: [no-such-entry, ")
    path.write_text(text.split("\nen:\n")[0] + "\n")
    problems = load_entries(entries).problems
    messages = [str(p) for p in problems]
    assert any("ip-nda.yaml:3: unknown field 'colour'" in m for m in messages)
    assert any("lacks the field 'en'" in m for m in messages)
    assert all(p.file.endswith("ip-nda.yaml") for p in problems)


def test_related_to_a_missing_id_and_shared_questions(tmp_path: Path) -> None:
    entries = copy_base(tmp_path)
    path = entries / "ip-nda.yaml"
    path.write_text(path.read_text().replace("related: [", "related: [no-such-entry, "))
    other = entries / "ip-costs.yaml"
    zim_question = load_entries(ENTRIES).entries[0].texts["de"].questions[0]
    other.write_text(
        other.read_text().replace("  questions:\n", f"  questions:\n    - {zim_question}\n", 1)
    )
    messages = [str(p) for p in load_entries(entries).problems]
    assert any("related id 'no-such-entry' does not exist" in m for m in messages)
    assert any("is also one of" in m for m in messages)


def test_broken_yaml_and_too_few_questions(tmp_path: Path) -> None:
    entries = copy_base(tmp_path)
    (entries / "ip-nda.yaml").write_text("id: ip-nda\ntopic: [unclosed\n")
    messages = [str(p) for p in load_entries(entries).problems]
    assert any("ip-nda.yaml:" in m and "not valid YAML" in m for m in messages)


def test_reload_keeps_the_last_good_base(tmp_path: Path) -> None:
    entries = copy_base(tmp_path)
    base = KnowledgeBase(entries)
    assert base.match("geheimhaltungsvereinbarung vorlage").id == "ip-nda"
    (entries / "ip-nda.yaml").write_text("id: ip-nda\n")
    problems = base.reload()
    assert problems
    assert base.get("ip-nda") is not None
    assert base.match("geheimhaltungsvereinbarung vorlage").id == "ip-nda"


def test_start_with_a_broken_file_serves_the_sound_entries(tmp_path: Path) -> None:
    entries = copy_base(tmp_path)
    (entries / "ip-nda.yaml").write_text("id: ip-nda\n")
    base = KnowledgeBase(entries)
    assert base.get("ip-nda") is None
    assert base.get("funding-zim") is not None


def test_kb_check_exit_code(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("OPTOBOT_KNOWLEDGE_DIR", str(ENTRIES.parent))
    assert main(["kb", "check"]) == 0
    broken = tmp_path / "kb"
    copy_base(broken)
    (broken / "entries" / "ip-nda.yaml").write_text("id: ip-nda\n")
    monkeypatch.setenv("OPTOBOT_KNOWLEDGE_DIR", str(broken))
    assert main(["kb", "check"]) == 1
    assert "ip-nda.yaml" in capsys.readouterr().out


def test_fold_treats_umlaut_spellings_alike() -> None:
    assert fold("Förderung für Thüringen!") == fold("foerderung fuer  thueringen")
    assert fold("Straße") == fold("strasse")
