"""spoofscope: tell real speech from synthetic or converted speech."""

__version__ = "0.1.0"
