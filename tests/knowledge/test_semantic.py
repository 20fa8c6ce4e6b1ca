"""Issue #25: the encoder's vectors are cached by content, so a start stays fast; the
answers' meaning counts in the ranking; and ``kb check`` refuses evaluation questions copied
into the entries."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from bot.cli import main
from knowledge.base import KnowledgeBase
from knowledge.entries import Entry, EntryText
from knowledge.matcher import Matcher, questions_of
from knowledge.semantic import E5Encoder, SemanticIndex, VectorCache

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


def test_check_refuses_a_test_question_the_development_set_holds_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The models are fitted on dev*_set.yaml: the same question in a test set measures memory."""
    monkeypatch.setenv("OPTOBOT_DATA_DIR", str(tmp_path / "var"))
    development, held_back = tmp_path / "dev_set.yaml", tmp_path / "test_set.yaml"
    development.write_text(
        "in_scope:\n  - {q: 'zim fuer kanada projekte', lang: de, id: funding-zim}\n",
        encoding="utf-8",
    )
    held_back.write_text(
        "in_scope:\n"
        "  - {q: 'eurostars mit japan', lang: de, id: funding-eurostars}\n"
        "  - {q: 'ZIM für Kanada-Projekte', lang: de, id: funding-zim}\n",
        encoding="utf-8",
    )
    assert main(["kb", "check", "--sets", str(development), str(held_back)]) == 1
    out = capsys.readouterr().out
    assert (
        f"{held_back}:3: test question 'ZIM für Kanada-Projekte' is in the development set "
        "dev_set.yaml too" in out
    )
    assert "eurostars" not in out and "1 problem(s)" in out
    # the same two files under names that say neither is fitted on: nothing to refuse
    assert (
        main(
            ["kb", "check", "--sets", str(development), str(held_back.rename(tmp_path / "a.yaml"))]
        )
        == 0
    )


def test_an_entry_is_judged_by_its_three_closest_texts(tmp_path: Path) -> None:
    """One text worded like the question is not enough to beat an entry whose texts are
    about it: the similarity is the mean of an entry's three closest texts."""
    cache = VectorCache(E5Encoder(), writable=tmp_path / "vectors.npz")
    about_nda = ["nda vorlage", "geheimhaltungsvereinbarung muster", "brauchen wir ein nda"]
    one_look_alike = ["vorlage für die reisekostenabrechnung", "zuschuss messe", "flug nach tokio"]
    groups = [about_nda, one_look_alike]
    question = "vorlage für eine vertraulichkeitsvereinbarung"
    vector = cache.question(question)
    texts = cache.vectors([t for group in groups for t in group]) @ vector
    by_three = SemanticIndex(groups, cache, closest=3).similarities(question)
    assert by_three == pytest.approx([texts[:3].mean(), texts[3:].mean()], abs=1e-6)
    assert by_three[0] > by_three[1]
    by_one = SemanticIndex(groups, cache, closest=1).similarities(question)
    assert by_one == pytest.approx([texts[:3].max(), texts[3:].max()], abs=1e-6)
    assert by_one[1] > by_one[0]  # by its closest text alone, the look-alike would win


def test_a_group_smaller_than_three_is_judged_by_as_many_texts_as_every_group(
    tmp_path: Path,
) -> None:
    cache = VectorCache(E5Encoder(), writable=tmp_path / "vectors.npz")
    groups = [["was ist zim"], ["eurostars frist", "eurostars antrag", "eurostars kanada"]]
    index = SemanticIndex(groups, cache, closest=3)
    assert index.closest == 1
    texts = cache.vectors([t for group in groups for t in group]) @ cache.question("zim")
    assert index.similarities("zim") == pytest.approx([texts[0], texts[1:].max()], abs=1e-6)


def test_a_question_is_computed_on_one_core() -> None:
    """``serve`` runs a process per core: numpy's BLAS must not start a second thread that
    spins through every question's product with the entries' vectors."""
    from threadpoolctl import threadpool_info

    KnowledgeBase(ENTRIES).match("gibt es eurostars noch")
    blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert blas and all(pool["num_threads"] == 1 for pool in blas)


def test_a_large_base_compares_text_by_text_only_its_closest_entries() -> None:
    """Above ``SHORTLIST`` entries the closest-texts mean is computed for the entries whose
    texts are closest on average; it is exact there, and the rest keep a lower bound."""
    from knowledge.semantic import SHIPPED, SHORTLIST

    cache = VectorCache(E5Encoder(), shipped=ENTRIES.parent / SHIPPED)
    entries = KnowledgeBase(ENTRIES).current.entries.values()
    texts = [text for entry in entries for text in questions_of(entry)]
    groups = [texts[i % len(texts) : i % len(texts) + 4] for i in range(0, 4 * SHORTLIST, 3)]
    groups = [group for group in groups if len(group) == 4]
    assert len(groups) > SHORTLIST
    index = SemanticIndex(groups, cache, closest=3)
    question = "brauchen wir eine nda vor dem treffen"
    got = index.similarities(question)
    vector = cache.question(question)
    exact = np.array([np.sort(cache.vectors(g) @ vector)[-3:].mean() for g in groups])
    assert int(np.argmax(got)) == int(np.argmax(exact))
    top = np.argsort(-exact)[:10]
    assert got[top] == pytest.approx(exact[top], abs=1e-5)
    assert np.all(got <= exact + 1e-5)


def test_an_answer_is_read_as_a_passage_and_cached_apart_from_the_same_question(
    tmp_path: Path,
) -> None:
    path = tmp_path / "knowledge-vectors.npz"
    cache = VectorCache(E5Encoder(), writable=path)
    text = "ZIM fördert Forschung und Entwicklung in kleinen und mittleren Unternehmen."
    question, passage = cache.vectors([text])[0], cache.vectors([text], passages=True)[0]
    assert cache.encoded == 2
    assert not np.allclose(question, passage, atol=1e-3)  # "query:" and "passage:" differ
    again = VectorCache(E5Encoder(), writable=path)  # a restart
    assert np.allclose(again.vectors([text], passages=True)[0], passage)
    assert again.encoded == 0


def _programme(name: str, answer: str) -> Entry:
    """Two entries alike in all but their answers."""
    text = EntryText(
        f"Programm {name}", answer, ("welche förderung gibt es", "wie komme ich an geld"), ()
    )
    return Entry(name, "funding", date(2026, 12, 1), (), (), {"de": text}, f"{name}.yaml")


def test_the_entry_whose_answer_means_what_is_asked_ranks_first(tmp_path: Path) -> None:
    """The example questions of both entries are the same, the question's words are in
    neither answer: only what the answers say tells the entries apart."""
    travel = "Erstattet werden Flüge und Hotels für Besuche bei Partnern in Japan und Korea."
    staff = "Bezahlt wird das Gehalt von Ingenieurinnen, die in kleinen Firmen entwickeln."
    cache = VectorCache(E5Encoder(), writable=tmp_path / "vectors.npz")
    question = "wer übernimmt mein ticket nach osaka"
    for first, second in ((travel, staff), (staff, travel)):
        matcher = Matcher([_programme("a", first), _programme("b", second)], vectors=cache)
        expected = "a" if first == travel else "b"
        assert matcher.rank(question).candidates[0].id == expected
