"""What every LMS template can use, under the one name ``lms``."""
from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any

from flask import Flask, current_app

from lms.auth.permissions import TEMPLATE_PREDICATES
from lms.core.assets import lms_asset
from lms.core.localtime import in_zone
from lms.core.urls import external_url


def local_time(moment: datetime, zone: str) -> str:
    """``moment`` as a day and time in ``zone`` (``30 Oct 2024 15:00``)."""
    shown = in_zone(moment, zone or "UTC")
    return f"{shown.day} {shown:%b %Y %H:%M}"


def init_templating(app: Flask) -> None:
    can = SimpleNamespace(**TEMPLATE_PREDICATES)

    @app.context_processor
    def inject_lms() -> dict[str, Any]:
        return {"lms": SimpleNamespace(can=can, site_name=current_app.config["LMS_SITE_NAME"], asset=lms_asset,
                                       external_url=external_url, local_time=local_time)}
