"""sys.path in Lambda's order: LAMBDA_TASK_ROOT, {opt}/python/lib/pythonX.Y/site-packages, {opt}/python, then
the runtime's folder and the interpreter's own paths (whose site-packages host_packages then takes off sys.path,
serving only the SDK from them)."""

import os
import site
import sys


def _runtime_versions():
    """The pythonX.Y folder names to look in under {opt}/python/lib: the runtime the function was created with
    (AWS_EXECUTION_ENV=AWS_Lambda_python3.12, which is where a layer built for it put its packages) and, when it
    differs, the interpreter that actually runs here."""
    names = []
    execution_env = os.environ.get("AWS_EXECUTION_ENV", "")
    prefix = "AWS_Lambda_"
    if execution_env.startswith(prefix + "python3."):
        names.append(execution_env[len(prefix):])
    running = "python{}.{}".format(sys.version_info.major, sys.version_info.minor)
    if running not in names:
        names.append(running)
    return names


def lambda_paths(environ=None):
    """The folders Lambda puts before the runtime's own, in order."""
    environ = os.environ if environ is None else environ
    paths = []
    task_root = environ.get("LAMBDA_TASK_ROOT")
    if task_root:
        paths.append(task_root)
    # GATEWAY_OPT_DIR: the layers' folder as this process sees it (/opt inside the gateway's mount namespace,
    # a host folder without one).
    opt = environ.get("GATEWAY_OPT_DIR") or "/opt"
    for version in _runtime_versions():
        paths.append(os.path.join(opt, "python", "lib", version, "site-packages"))
    paths.append(os.path.join(opt, "python"))
    return paths


def apply():
    paths = lambda_paths()
    sys.path[0:0] = [p for p in paths if p not in sys.path]
    runtime_dir = os.environ.get("LAMBDA_RUNTIME_DIR")
    if runtime_dir and runtime_dir not in sys.path:
        sys.path.insert(len(paths), runtime_dir)
    # .pth files in the function's code and the layers take effect as they would in site-packages (namespace
    # packages installed with pip -t rely on them). The folders are already on sys.path, so only the .pth
    # files' own entries are added, at the end.
    for path in paths:
        if os.path.isdir(path):
            site.addsitedir(path)
