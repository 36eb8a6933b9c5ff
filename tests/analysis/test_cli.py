"""``flask analysis crosstab`` and ``flask analysis book`` on a real (SQLite) database."""
from __future__ import annotations

import pandas as pd

from analysis.layout import layout_for
from analysis.synthetic import store, synthetic_wide
from survey.extensions import db
from survey.questionnaire import load_file
from tests.helpers import make_campaign

FLAGSHIP = "questionnaires/ne-tranh-trach-nhiem.yaml"


def _campaign(app, slug: str, n: int, **kwargs):
    definition = load_file(FLAGSHIP)
    with app.app_context():
        campaign = make_campaign(slug, definition=definition, **kwargs)
        wide = synthetic_wide(definition, n, seed=4, campaign_id=campaign.id)
        store(db.engine, layout_for(definition), wide, campaign.version_id, campaign.id)
    return wide


def test_crosstab_command_prints_table_and_tests(app, runner, tmp_path):
    # Enough respondents that no cell is under the threshold, so the tests are printed (a table
    # with hidden cells prints none: issue 25, point 7). The threshold cannot go under the
    # platform's floor (5) to get there.
    _campaign(app, "dot-1", 3000)
    result = runner.invoke(args=["analysis", "crosstab", "dot-1", "B1", "--by", "level"])
    assert result.exit_code == 0, result.output
    assert "B1 × A2" in result.output
    assert "Pearson chi-square(" in result.output and "Likelihood ratio(" in result.output
    assert "Trung ương" in result.output  # level labels in Vietnamese
    margins = tmp_path / "margins.csv"
    margins.write_text("variable,code,target\nlevel,1,1000\nlevel,2,3000\nlevel,3,6000\n")
    weighted = runner.invoke(args=["analysis", "crosstab", "dot-1", "B3", "--by", "A2",
                                   "--weights", str(margins), "--lang", "en"])
    assert weighted.exit_code == 0, weighted.output
    assert "converged" in weighted.output and "% of cases" in weighted.output


def test_small_campaign_is_refused_with_a_message(app, runner):
    _campaign(app, "dot-nho", 3)
    result = runner.invoke(args=["analysis", "crosstab", "dot-nho", "B1", "--by", "level"])
    assert result.exit_code == 1
    assert "ít hơn ngưỡng bảo mật k = 5" in result.output


def test_book_command_writes_every_item_by_every_banner(app, runner, tmp_path):
    _campaign(app, "dot-2", 300)
    output = tmp_path / "book.csv"
    result = runner.invoke(args=["analysis", "book", "dot-2", "--by", "level", "--by", "field",
                                 "-o", str(output)])
    assert result.exit_code == 0, result.output
    book = pd.read_csv(output, encoding="utf-8-sig", dtype=str)
    assert set(book["banner"]) == {"A2", "A3"}
    assert {"CrossTab", "MultipleTable", "RankingTable"} <= set(book["kind"])
    assert {"B1", "B2.1", "B3", "D3"} <= set(book["item"])
    # 300 respondents over 13 fields: small cells exist, and they are marked, not dropped
    hidden = book[book["suppressed"] == "True"]
    assert len(hidden) > 0 and (hidden["n"] == "x").all()


def test_crosstab_and_book_by_the_collection_mode(app, runner, tmp_path):
    definition = load_file(FLAGSHIP)
    with app.app_context():
        campaign = make_campaign("dot-3", definition=definition)
        wide = synthetic_wide(definition, 60, seed=4, campaign_id=campaign.id)
        for mode, part in (("web", wide.iloc[:40]), ("paper", wide.iloc[40:])):
            store(db.engine, layout_for(definition), part, campaign.version_id, campaign.id,
                  mode=mode)
    result = runner.invoke(args=["analysis", "crosstab", "dot-3", "B1", "--by", "mode",
                                 "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "B1 × MODE" in result.output and "Phiếu giấy" in result.output
    output = tmp_path / "book.csv"
    book = runner.invoke(args=["analysis", "book", "dot-3", "--by", "MODE", "-o", str(output)])
    assert book.exit_code == 0, book.output
    cells = pd.read_csv(output, encoding="utf-8-sig", dtype=str)
    assert set(cells["banner"]) == {"MODE"}
    b1 = cells[cells["item"] == "B1"]
    assert list(b1["column_label"][:3]) == ["Trực tuyến", "Phiếu giấy",
                                            "Nhập từ dữ liệu khác (Kobo/ODK)"]
    imported = (cells["kind"] == "CrossTab") & (cells["column"] == "3")
    assert set(cells.loc[imported, "n"]) == {"0.0"}  # nothing was imported
