"""The warnings the fixtures give at a test's end; their documented names are the plugin
module's (``-W error::mockserver.pytest_plugin.UnknownFieldWarning``). Nothing else is
imported here: the plugin imports this module in every pytest session."""

from __future__ import annotations


class UnusedStubWarning(UserWarning):
    """A stub the test registered was never used."""


class UnknownFieldWarning(UserWarning):
    """The client sent keys the contract does not list but the provider tolerates (unknown
    keys inside messages): the requests were served. ``-W error::mockserver.pytest_plugin.
    UnknownFieldWarning`` turns it into a failure."""


UnusedStubWarning.__module__ = UnknownFieldWarning.__module__ = "mockserver.pytest_plugin"
