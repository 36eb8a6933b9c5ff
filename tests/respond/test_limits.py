"""The in-memory moving-window rate limiter behind the respondent 429 page."""
from survey.respond.limits import MovingWindow, _rule


def test_window_refuses_the_hit_over_the_limit_and_slides():
    window = MovingWindow()
    hits = [window.hit("post", "a", 3, 60, now=t) for t in (0, 1, 2, 3)]
    assert hits == [True, True, True, False]
    assert window.hit("post", "a", 3, 60, now=60.5)       # the hit at 0 left the window
    assert not window.hit("post", "a", 3, 60, now=60.6)   # 1, 2 and 60.5 are still in it


def test_addresses_and_scopes_are_counted_apart():
    window = MovingWindow()
    assert all(window.hit("post", "a", 1, 60, now=0) for _ in range(1))
    assert window.hit("post", "b", 1, 60, now=0)
    assert window.hit("code", "a", 1, 60, now=0)
    assert not window.hit("post", "a", 1, 60, now=1)


def test_stale_addresses_are_forgotten():
    window = MovingWindow()
    window.swept = 0
    for n in range(100):
        window.hit("post", f"10.0.0.{n}", 5, 60, now=1)
    assert len(window.hits) == 100
    window.hit("post", "10.9.9.9", 5, 60, now=200)
    assert list(window.hits) == [("post", 5, 60, "10.9.9.9")]


def test_rules_parse_to_count_and_seconds():
    assert _rule("120/minute") == (120, 60.0)
    assert _rule("20/hour") == (20, 3600.0)
