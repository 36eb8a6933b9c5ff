"""Rendering a page outside the respondent flow: the designer's preview (and, soon, paper entry)
call :func:`render_page` directly, with prefixed field names and no form of their own."""
from __future__ import annotations

from survey.questionnaire.runtime.render import render_page
from tests.respond.support import rich_definition


def test_render_page_for_the_designer_preview(app):
    definition = rich_definition()
    with app.test_request_context("/"):
        html = render_page(definition, 0, {"cat": 2}, {"age": "Lỗi thử"}, "vi", preview=True)
        assert 'name="pv-cat"' in html and 'id="pv-f-cat-2" name="pv-cat" value="2" checked' in html
        assert '<p class="err" id="pv-e-age">Lỗi thử</p>' in html
        assert "<form" not in html
        english = render_page(definition, 0, {}, {}, "en")
        assert "EN Công chức" in english and 'name="cat"' in english
