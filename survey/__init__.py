"""The survey platform.

The web application is built by :func:`survey.app.create_app`; this package's own import pulls in
nothing, so the pure layer (the questionnaire format in :mod:`survey.questionnaire`, the tables'
definitions in :mod:`survey.schema`) can be imported by :mod:`analysis` without Flask.
"""
