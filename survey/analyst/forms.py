"""Forms of the analyst area. The table builder is a GET form (its state is the URL, so a table
can be bookmarked and shared); exports are POSTs with CSRF, because they write files and the
row-level ones are audit-logged."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import AnyOf, InputRequired

from survey.services.export_jobs import FORMATS


class ExportForm(FlaskForm):
    fmt = StringField(_l("Định dạng"), validators=[InputRequired(), AnyOf(list(FORMATS))])
    query = HiddenField()
    include_text = BooleanField(_l("Kèm câu trả lời tự do (văn bản)"))
