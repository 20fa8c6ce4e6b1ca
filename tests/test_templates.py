"""Every text exists in both languages and renders strictly."""

from __future__ import annotations

import re

import pytest
from jinja2 import TemplateSyntaxError, UndefinedError

from bot.office.problem_words import PROBLEMS, worded
from bot.settings import LANGUAGES
from bot.templates import Templates
from knowledge.problems import MESSAGES, message_of


def test_every_template_exists_in_both_languages() -> None:
    assert Templates().missing_translations() == {}


def test_the_check_notices_a_template_in_one_language_only(tmp_path) -> None:
    (tmp_path / "de").mkdir()
    (tmp_path / "en").mkdir()
    (tmp_path / "de" / "only.j2").write_text("nur deutsch")
    assert Templates(tmp_path).missing_translations() == {"en": {"only"}}


def test_every_template_compiles_and_a_broken_one_is_found_at_start(tmp_path) -> None:
    Templates().compile_all()
    for language in LANGUAGES:
        (tmp_path / language).mkdir()
        (tmp_path / language / "broken.j2").write_text("{% if %}")
    with pytest.raises(TemplateSyntaxError):
        Templates(tmp_path).compile_all()


def test_forms_have_the_same_blocks_in_both_languages() -> None:
    templates = Templates()
    forms = {name for name in templates.names("de") if name.startswith("forms/")}
    for name in forms:
        blocks = {language: templates.blocks(language, name) for language in LANGUAGES}
        assert blocks["de"] == blocks["en"], name


def test_an_undefined_variable_is_an_error_not_an_empty_string() -> None:
    with pytest.raises(UndefinedError):
        Templates().render("en", "error")


def test_member_text_is_escaped_by_the_md_filter() -> None:
    text = Templates().render("en", "unknown_command", name="*bold* [x](y)")
    assert "\\*bold\\*" in text and "\\[x\\]\\(y\\)" in text


def test_a_block_renders_its_own_context_each_time(tmp_path) -> None:
    """Plain blocks (labels, options) are rendered once; one with context never reuses
    another call's text, and a missing block is an error every time."""
    for language in LANGUAGES:
        (tmp_path / language).mkdir()
        (tmp_path / language / "form.j2").write_text(
            "{% block label %}Name{% endblock %}{% block greet %}Hi {{ name }}{% endblock %}"
        )
    templates = Templates(tmp_path)
    assert templates.render_block("en", "form", "label") == "Name"
    assert templates.render_block("en", "form", "label") == "Name"
    assert templates.render_block("en", "form", "greet", name="Ada") == "Hi Ada"
    assert templates.render_block("en", "form", "greet", name="Bo") == "Hi Bo"
    with pytest.raises(UndefinedError):
        templates.render_block("en", "form", "greet")
    for _ in range(2):
        with pytest.raises(KeyError):
            templates.render_block("en", "form", "missing")


def test_every_problem_code_has_a_block_in_both_languages_and_english_says_the_message() -> None:
    """The office words every checker problem in the staff language; in English just as
    the CLI prints it, so English staff read what they read before."""
    templates = Templates()
    for language in LANGUAGES:
        assert set(MESSAGES) - templates.blocks(language, PROBLEMS) == set(), language
    for code, pattern in MESSAGES.items():
        params = {name: "x" for name in re.findall(r"(?<!{){(\w+)", pattern)}
        english = templates.render_block("en", PROBLEMS, code, **params)
        assert english == message_of(code, params), code
        assert templates.render_block("de", PROBLEMS, code, **params), code


def test_a_problem_without_a_block_keeps_its_english_message() -> None:
    templates = Templates()
    assert worded(templates, "de", "", {}, "group 'x' appears twice") == "group 'x' appears twice"
    assert worded(templates, "de", "no-such-code", {}, "as said") == "as said"
    assert worded(templates, "de", "empty", {"what": "en.answer"}, "en.answer is empty") == (
        "en.answer ist leer."
    )
