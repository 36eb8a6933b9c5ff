"""Survey analysis: frequencies, cross-tabulations, weighting, disclosure control, charts, exports.

A pure package: pandas, scipy and plotly only. It never imports Flask or the ``survey`` app;
database access, where used, goes through SQLAlchemy Core with an engine passed in.
"""
