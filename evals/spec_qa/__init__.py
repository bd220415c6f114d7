"""Spec open-QA eval: questions tied to spec sections, graded by a judge that reads the section."""
