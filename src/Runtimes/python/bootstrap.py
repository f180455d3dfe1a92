"""Entry point of the Python runtime: puts the function's code and its layers on sys.path, then runs the loop.

Started by ./bootstrap as a script, so sys.path[0] is already this folder (LAMBDA_RUNTIME_DIR), which is where
AWS's images leave /var/runtime: after /var/task and the layers' folders, before the interpreter's own paths.
"""

import sys

from gateway_lambda_runtime import host_packages, python_path

python_path.apply()
host_packages.apply()

from gateway_lambda_runtime import invoke_loop  # noqa: E402 (after the paths, so nothing is imported early)

if __name__ == "__main__":
    invoke_loop.main()
