"""Entry point of the Python runtime: puts the function's code and its layers on sys.path, then runs the loop.

Started by ./bootstrap as a script, so sys.path[0] is already this folder (LAMBDA_RUNTIME_DIR), which is where
AWS's images leave /var/runtime: after /var/task and the layers' folders, before the interpreter's own paths.
"""

import sys

# The runtime first, then the function's paths: a function file named like a standard module (http.py, email/,
# logging.py, token.py) must not replace what the runtime imports, which crashed it (Runtime.ExitError from inside the
# runtime's own code). AWS's /var/runtime/bootstrap.py also imports its runtime client and the standard modules it
# uses at module level and only then, in main(), puts /var/task and the layers on sys.path.
from gateway_lambda_runtime import host_packages, invoke_loop, python_path

python_path.apply()
host_packages.apply()

if __name__ == "__main__":
    invoke_loop.main()
