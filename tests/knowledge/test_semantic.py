"""Issue #25: the encoder's vectors are cached by content, so a start stays fast; and
``kb check`` refuses evaluation questions copied into the entries."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.cli import main
from knowledge.base import KnowledgeBase
from knowledge.semantic import E5Encoder, VectorCache

ROOT = Path(__file__).resolve().parents[2]
ENTRIES = ROOT / "knowledge" / "entries"


class OtherModel(E5Encoder):
    name = "another-model"


def test_vectors_are_encoded_once_per_text_and_kept_in_the_data_directory(
    tmp_path: Path,
) -> None:
    path = tmp_path / "var" / "knowledge-vectors.npz"
    first = VectorCache(E5Encoder(), writable=path)
    vectors = first.vectors(["was ist zim", "nda vorlage", "was ist zim"])
    assert first.encoded == 2 and path.exists()
    assert vectors.shape == (3, 384) and np.allclose(vectors[0], vectors[2])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)

    again = VectorCache(E5Encoder(), writable=path)  # a restart
    more = again.vectors(["nda vorlage", "was ist zim", "eurostars"])
    assert again.encoded == 1  # only the new text
    assert np.allclose(more[0], vectors[1]) and np.allclose(more[1], vectors[0])

    other = VectorCache(OtherModel(), writable=path)  # the key holds the model
    other.vectors(["was ist zim"])
    assert other.encoded == 1


def test_a_broken_cache_file_costs_time_not_answers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "knowledge-vectors.npz"
    path.write_bytes(b"not a numpy file")
    cache = VectorCache(E5Encoder(), writable=path)
    assert cache.vectors(["was ist zim"]).shape == (1, 384)
    assert "unreadable" in caplog.text
    assert VectorCache(E5Encoder(), writable=path).vectors(["was ist zim"]).shape == (1, 384)


def test_a_start_with_the_shipped_vectors_encodes_nothing(tmp_path: Path) -> None:
    """knowledge/vectors.npz covers every entry (``optobot kb vectors`` after editing
    entries): the model is not even loaded until the first question."""
    base = KnowledgeBase(ENTRIES, vectors=tmp_path / "knowledge-vectors.npz")
    assert base.vectors.encoded == 0
    assert base.vectors.encoder._model is None  # type: ignore[attr-defined]
    assert not (tmp_path / "knowledge-vectors.npz").exists()
    base.match("gibts eurostars noch?")
    assert base.vectors.encoded == 1


def test_check_refuses_evaluation_questions_copied_into_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPTOBOT_DATA_DIR", str(tmp_path / "var"))
    sets = tmp_path / "copied_set.yaml"
    sets.write_text(
        "in_scope:\n"
        "  - {q: 'eine ganz neue frage zu zim', lang: de, id: funding-zim}\n"
        "  - {q: 'Was ist ZIM?', lang: de, id: funding-zim}\n"
        "out_of_scope:\n"
        "  - {q: 'Write me a poem!', lang: en}\n",
        encoding="utf-8",
    )
    assert main(["kb", "check", "--sets", str(sets)]) == 1
    out = capsys.readouterr().out
    assert (
        f"{sets}:3: evaluation question 'Was ist ZIM?' is an example question of funding-zim" in out
    )
    assert f"{sets}:5: evaluation question 'Write me a poem!'" in out
    assert "neue frage" not in out
    assert main(["kb", "check", "--sets"]) == 0
