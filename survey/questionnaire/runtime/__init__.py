"""The questionnaire at run time: the page rules (:mod:`.rules`: visibility, option filters,
validation, routing) and the page rendering (:mod:`.render`).

They sit beside the format rather than under the respondent's views because three callers run
them: the respondent flow, the designer's preview and paper data entry. One implementation, so a
rule never behaves differently on a phone, in the preview or at the keyboard of a data-entry
clerk. Unlike the format itself, the runtime needs Flask-Babel (messages, number formats) and
Jinja (pages), so :mod:`analysis` never imports it.
"""
