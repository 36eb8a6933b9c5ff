"""Operator commands: ``flask users …``, ``flask questionnaire …``, ``flask campaign …``,
``flask analysis …``, ``flask respond …`` and ``flask urls``. One module per group."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from survey.cli.analysis import analysis_cli
    from survey.cli.campaign import campaign_cli
    from survey.cli.import_data import import_data_command
    from survey.cli.paper import print_command
    from survey.cli.questionnaire import questionnaire_cli
    from survey.cli.respond import respond_cli
    from survey.cli.urls import urls_command
    from survey.cli.users import users_cli

    campaign_cli.add_command(import_data_command)  # flask campaign import-data
    questionnaire_cli.add_command(print_command)  # flask questionnaire print
    for group in (users_cli, questionnaire_cli, campaign_cli, analysis_cli, respond_cli):
        app.cli.add_command(group)
    app.cli.add_command(urls_command)
