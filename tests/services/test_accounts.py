"""Staff accounts as a service: the password policy (issue 25, point 6: a maintained
guessability check, zxcvbn pinned, with the platform's own words; trivially repeated passwords
refused) and the rule that the platform never loses its last active admin."""
from __future__ import annotations

import pytest

from survey.extensions import db
from survey.models import Role
from survey.services.accounts import (check_password_rules, generate_password,
                                      password_is_guessable, set_active, set_role)
from survey.services.errors import ServiceError
from tests.helpers import PASSWORD, make_user

WEAK = ["1111111111", "password12", "qwertyuiop", "abcdefghij", "abcabcabcabc",
        "thietke1thietke1", "matkhau123", "Password123!", "admin12345", "aaaaaaaaaaaaab",
        "lan-lan-lan-lan"]
STRONG = [PASSWORD, "một câu mật khẩu mới", "mùa thu Hà Nội có hoa sữa", "xK9_2mQp-lT4vB8w"]


@pytest.mark.parametrize("password", WEAK)
def test_common_and_repeated_passwords_are_refused(password):
    assert password_is_guessable(password, "lan")
    with pytest.raises(ServiceError) as refused:
        check_password_rules(password, "lan")
    assert "quá dễ đoán" in refused.value.source()


@pytest.mark.parametrize("password", STRONG)
def test_long_memorable_passwords_pass(password):
    check_password_rules(password, "lan")


def test_the_user_name_inside_the_password_counts_against_it():
    assert not password_is_guessable("nguyenvanbinh77", "lan")
    assert password_is_guessable("nguyenvanbinh77", "nguyenvanbinh")


def test_generated_passwords_always_pass():
    for _ in range(50):
        check_password_rules(generate_password(), "admin")


def test_a_very_long_password_is_judged_without_error():
    check_password_rules(" ".join(f"Tôi đi làm ngày thứ {n} qua cầu Long Biên" for n in range(4)),
                         "lan")


def test_last_active_admin_is_kept(app):
    with app.app_context():
        a = make_user("a", Role.ADMIN)
        b = make_user("b", Role.ADMIN)
        set_active(db.session, b, False, actor=a)
        try:
            set_role(db.session, a, Role.DESIGNER, actor=b)
        except ServiceError as exc:
            assert "duy nhất" in exc.translated()
        else:
            raise AssertionError("the last admin was demoted")
        # a second active admin makes it possible
        set_active(db.session, b, True, actor=a)
        set_role(db.session, a, Role.DESIGNER, actor=b)
        assert a.role is Role.DESIGNER
