"""Pydantic models and the SQLAlchemy schema; this floor imports nothing of ours."""
