"""Playbooks: the schema (pydantic), the library (find, load, merge `extends`), YAML with positions, lint, scaffold,
tips."""
