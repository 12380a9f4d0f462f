"""The bureau's web dashboard: FastAPI with server-rendered Jinja2 templates and HTMX."""
