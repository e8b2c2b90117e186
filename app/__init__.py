"""cpq: configure-price-quote and contracts for subscription software publishers."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cpq")
except PackageNotFoundError:  # run from a checkout that was never installed
    __version__ = "0.0.0"
