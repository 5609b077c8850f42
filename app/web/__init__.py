"""The clerks' web application: German pages per municipality (issue 5).

`server.create_app()` builds the Starlette application; `amtsflow web` serves it.
"""
