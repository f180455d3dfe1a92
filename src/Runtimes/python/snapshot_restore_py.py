"""SnapStart's runtime hooks for Python, importable as on AWS's python3.x images.

AWS ships the Snapshot Restore for Python library (PyPI snapshot-restore-py) in its Python managed runtimes, as a
dependency of its runtime client: "The runtime hooks are available as part of the open-source Snapshot Restore for
Python library, which is included in Python managed runtimes" (AWS docs, snapstart-runtime-hooks-python). Code that
registers hooks must therefore import here too. The gateway takes no snapshots, so nothing calls the hooks: they are
kept in the two lists below, as the library keeps them, for a function or a test that reads them back.
"""

_before_snapshot = []
_after_restore = []


def _register(hooks, func, args, kwargs):
    hooks.append((func, args, kwargs))
    return func


def register_before_snapshot(func, *args, **kwargs):
    """Registers func(*args, **kwargs) to run before a snapshot; usable as a decorator. Returns func."""
    return _register(_before_snapshot, func, args, kwargs)


def register_after_restore(func, *args, **kwargs):
    """Registers func(*args, **kwargs) to run after a restore; usable as a decorator. Returns func."""
    return _register(_after_restore, func, args, kwargs)


def get_before_snapshot():
    """The registered before-snapshot hooks, as (func, args, kwargs), in registration order."""
    return _before_snapshot


def get_after_restore():
    """The registered after-restore hooks, as (func, args, kwargs), in registration order."""
    return _after_restore
