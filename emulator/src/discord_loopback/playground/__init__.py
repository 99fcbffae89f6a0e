"""A web page on 127.0.0.1 that shows an emulated guild as Discord would, and lets a person act as its members."""

from .app import CROWD_NAMES, NO_RESPONSE, Playground, PlayMember

__all__ = ["CROWD_NAMES", "NO_RESPONSE", "PlayMember", "Playground"]
