"""Handout documents -> a static, accessible web site: a page per handout, indexes, styles."""
