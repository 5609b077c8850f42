"""The agenda builder (issue 3, point 2): a suggested agenda from the synced OParl data.

`build.build_agenda` is the entry point; `replay` rebuilds past meetings and compares.
The steps are plain functions over an in-memory `Archive` of the tenant's council data,
so that replaying hundreds of meetings reads the database once.
"""
