"""Only the SDK of the machine's packages is importable by the function, as on AWS.

AWS's Python images ship boto3 and what it needs (botocore, s3transfer, jmespath, dateutil, six, urllib3) in
/var/runtime, and nothing else: a function that imports `requests` without packaging it fails with
Runtime.ImportModuleError "No module named 'requests'" (AWS Compute Blog, "Upcoming changes to the Python SDK in AWS
Lambda": "The Lambda runtimes for Python 3.8 and later do not include the 'requests' module"). Here the interpreter
is the machine's, whose site-packages hold whatever Debian or pip installed, so without this a function that works
on the gateway fails on its first deploy to AWS.

How: the interpreter's site-packages folders leave sys.path, and a finder at the end of sys.meta_path serves from
them (1) the SDK's packages, to anyone, and (2) any other package, but only to an import made by a module that came
from there: Debian's botocore imports `requests` itself (it unbundles botocore.vendored), and must still get it.
An `import` statement of the function's that names such a package once the SDK has loaded it (so it sits in
sys.modules, where no finder is asked) is refused by a check in front of __import__, with the same
ModuleNotFoundError.
"""

import builtins
import importlib.abc
import importlib.machinery
import os
import site
import sys

# /var/runtime's packages on AWS's python3.x images: boto3 and its dependencies, and simplejson, which awslambdaric
# itself depends on (its requirements/base.txt), so pip put it there beside the runtime client.
SDK = frozenset({"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3", "simplejson"})

# Frames of the import machinery itself (importlib.import_module's among them), skipped to find who asked.
_IMPORTLIB_FRAMES = ("<frozen importlib", os.path.dirname(importlib.__file__) + os.sep)


def host_folders():
    """The interpreter's own site-packages / dist-packages folders (system and user)."""
    folders = list(site.getsitepackages()) if hasattr(site, "getsitepackages") else []
    user = site.getusersitepackages() if hasattr(site, "getusersitepackages") else None
    if isinstance(user, str):
        folders.append(user)
    return [os.path.realpath(f) for f in folders]


class _HostPackages(importlib.abc.MetaPathFinder):
    def __init__(self, folders):
        self.folders = folders
        self.served = set()  # top-level names served that are not the SDK's

    def _from_host(self, name):
        """Whether a module name belongs to a package this finder served (the SDK's or another)."""
        top = name.partition(".")[0]
        return top in SDK or top in self.served

    def _importer(self):
        """The module whose code asked for the import: the first frame outside importlib and this file."""
        frame = sys._getframe(1)
        while frame is not None:
            filename = frame.f_code.co_filename
            if filename != __file__ and not filename.startswith(_IMPORTLIB_FRAMES):
                return frame.f_globals.get("__name__", "")
            frame = frame.f_back
        return ""

    def find_spec(self, name, path=None, target=None):
        if path is not None:
            return None  # a submodule: its package's __path__ finds it
        if name not in SDK and not self._from_host(self._importer()):
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, self.folders)
        if spec is not None and name not in SDK:
            self.served.add(name)
        return spec

    def guard(self, original):
        def guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
            if level == 0 and name:
                top = name.partition(".")[0]
                if top in self.served:
                    importer = globals.get("__name__", "") if globals else ""
                    if not self._from_host(importer) and _is_from_host_folders(sys.modules.get(top), self.folders):
                        raise ModuleNotFoundError("No module named '{}'".format(top), name=top)
            return original(name, globals, locals, fromlist, level)
        return guarded_import


def _is_from_host_folders(module, folders):
    origin = getattr(module, "__file__", None) or ""
    return any(origin.startswith(folder + os.sep) for folder in folders)


def apply():
    folders = [f for f in host_folders() if os.path.isdir(f)]
    if not folders:
        return
    sys.path[:] = [p for p in sys.path if os.path.realpath(p) not in folders]
    finder = _HostPackages(folders)
    sys.meta_path.append(finder)
    builtins.__import__ = finder.guard(builtins.__import__)
    # Modules loaded before this ran (the interpreter's start-up: site may import a .pth's package) stay.
