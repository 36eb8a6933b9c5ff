"""The one error a service raises: the Vietnamese source message and its values travel
together, and the caller renders them once, in the reader's language."""
from __future__ import annotations

import pytest

from survey.extensions import db
from survey.services.accounts import create_user
from survey.services.errors import N_, ServiceError, translate
from tests.helpers import PASSWORD, make_user

TAKEN = N_("Tài khoản %(username)s đã tồn tại.")  # English in survey/auth/translations


def test_the_message_is_the_filled_vietnamese_source():
    error = ServiceError(TAKEN, field="username", username="lan")
    assert str(error) == error.source() == "Tài khoản lan đã tồn tại."
    assert error.template == TAKEN and error.values == {"username": "lan"}
    assert error.field == "username"
    assert isinstance(error, ValueError)
    assert str(ServiceError(N_("Đợt khảo sát này chưa đóng."))) == "Đợt khảo sát này chưa đóng."


def test_outside_a_request_it_stays_vietnamese_unless_a_language_is_named(app):
    error = ServiceError(TAKEN, username="lan")
    assert error.translated() == "Tài khoản lan đã tồn tại."  # no request: no visitor's language
    with app.app_context():
        assert error.translated() == "Tài khoản lan đã tồn tại."
        assert error.translated("en") == "The account lan already exists."  # the command line


@pytest.mark.parametrize("lang, expected", [("vi", "Tài khoản lan đã tồn tại."),
                                            ("en", "The account lan already exists.")])
def test_in_a_request_it_speaks_the_visitors_language(app, lang, expected):
    error = ServiceError(TAKEN, username="lan")
    with app.test_request_context(f"/staff/?lang={lang}"):
        assert error.translated() == expected
        assert translate(TAKEN, username="lan") == expected


def test_translate_outside_a_request_fills_the_source():
    assert translate(TAKEN, username="lan") == "Tài khoản lan đã tồn tại."
    assert translate(N_("Đợt khảo sát này chưa đóng.")) == "Đợt khảo sát này chưa đóng."


def test_a_service_refusal_carries_its_template_values_and_field(app):
    with app.app_context():
        make_user("lan")
        with pytest.raises(ServiceError) as refused:
            create_user(db.session, "lan", PASSWORD, "admin")
        db.session.rollback()
    assert refused.value.template == TAKEN
    assert refused.value.values == {"username": "lan"} and refused.value.field == "username"
