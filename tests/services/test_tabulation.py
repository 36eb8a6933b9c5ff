"""The analyst's table request as a service: read from query-string arguments (what the table
page, its downloads and ``flask analysis export`` share), refused with the name of the wrong field,
and written back to the same arguments."""
from __future__ import annotations

from datetime import date

import pytest
from werkzeug.datastructures import MultiDict

from survey.services.tabulation import RequestError, TableRequest, table_request
from tests.helpers import small_definition

DEFINITION = small_definition()


def _request(**args) -> TableRequest | None:
    return table_request(DEFINITION, MultiDict(args))


def test_no_item_is_no_table_yet():
    assert _request() is None and _request(banner="level") is None


def test_a_request_is_read_with_its_defaults_and_written_back():
    wanted = _request(item="q1", banner="level", f_gender=["2", "1"], date_from="2026-11-01",
                      weighted="1", mode="nonsense")
    assert wanted == TableRequest(item="q1", banner="level", values={"gender": (1, 2)},
                                  date_from=date(2026, 11, 1), weighted=True)
    assert table_request(DEFINITION, MultiDict(wanted.query())) == wanted


def test_a_lone_second_banner_becomes_the_first():
    assert _request(item="q1", banner2="gender") == TableRequest(item="q1", banner="gender")


@pytest.mark.parametrize("args, field", [
    ({"item": "nothing"}, "item"),
    ({"item": "q1", "banner": "q1"}, "banner"),
    ({"item": "q1", "banner2": "nothing"}, "banner2"),
    ({"item": "q1", "f_level": "7"}, "f_level"),
    ({"item": "q1", "f_level": "x"}, "f_level"),
    ({"item": "q1", "date_to": "31/12/2026"}, "date_to"),
])
def test_a_wrong_field_is_named(args, field):
    with pytest.raises(RequestError) as refused:
        _request(**args)
    assert str(refused.value) == field
