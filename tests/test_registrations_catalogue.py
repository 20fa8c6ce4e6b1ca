"""The shipped trainings catalogue is sound, and mistakes are reported with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.catalogue import CatalogueError, check, load


def test_shipped_catalogue_is_sound_and_spans_2027() -> None:
    assert check() == []
    trainings = load()
    assert len(trainings) >= 8
    assert {t.topic for t in trainings} == {"japan", "korea", "usa", "canada", "ip", "funding"}
    assert all(t.starts_at.year == 2027 and t.starts_at.month <= 11 for t in trainings)
    assert all(8 <= t.seats <= 20 and t.fee_member <= t.fee_non_member for t in trainings)
    assert any(t.online for t in trainings) and any(not t.online for t in trainings)
    assert all(t.deadline < t.starts_at for t in trainings)


def test_problems_name_file_line_and_what_is_wrong(tmp_path: Path) -> None:
    path = tmp_path / "trainings.yaml"
    path.write_text(
        """trainings:
  - id: ok-one
    topic: japan
    title: {de: Titel, en: Title}
    description: {de: Text, en: Text}
    start: 2027-01-12 09:00
    end: 2027-01-12 08:00
    place: Jena
    language: fr
    seats: 0
    fee: {member: 500, non_member: 100}
    deadline: 2027-02-01
    colour: red
  - id: ok-one
    topic: ip
""",
        encoding="utf-8",
    )
    messages = [str(problem) for problem in check(path)]
    first = [m for m in messages if m.startswith(f"{path}:2: training 'ok-one'")]
    for expected in (
        "end must be after start",
        "language must be de or en",
        "seats must be",
        "member fee must not be higher",
        "deadline must not be after the start",
        "unknown field 'colour'",
    ):
        assert any(expected in m for m in first), expected
    assert any(m.startswith(f"{path}:14:") and "missing" in m for m in messages)
    with pytest.raises(CatalogueError):
        load(path)


def test_broken_yaml_is_one_problem_with_a_line(tmp_path: Path) -> None:
    path = tmp_path / "trainings.yaml"
    path.write_text("trainings:\n  - id: [unclosed\n", encoding="utf-8")
    (problem,) = check(path)
    assert problem.line is not None and "not valid YAML" in problem.message
