"""The bureau's web application (``junheng serve``, issue 16): ``create_app(store)``."""

from junheng.web.app import create_app

__all__ = ["create_app"]
