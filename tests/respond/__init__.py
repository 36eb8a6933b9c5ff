"""Respondent flow: pages, drafts, codes, privacy, accessibility."""
