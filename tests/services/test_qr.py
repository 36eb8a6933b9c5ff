"""QR codes as a service (the images on the campaign page: tests/campaigns/test_campaigns.py)."""
from __future__ import annotations

import pytest

from survey.services.qr import qr_matrix, qr_png


def test_qr_service_refuses_an_empty_link():
    with pytest.raises(ValueError):
        qr_png("")
    assert len(qr_matrix("https://a.vn/s/x")) == 25  # version 2 at error level M
