"""Handler names, loading once at init, and sys.path in Lambda's order (function, layers, runtime, interpreter)."""

import os
import shutil
import tempfile

from bootstrap_process import RUNTIME_DIR
from runtime_test_case import RuntimeTestCase

COUNTING_MODULE = """
import sys
loads = getattr(sys, "_test_loads", 0) + 1
sys._test_loads = loads
print("module loaded")

def handler(event, context):
    return {"loads": loads, "event": event}
"""


class HandlerTests(RuntimeTestCase):
    def test_module_function_imported_once(self):
        process = self.start("app.handler", {"app.py": COUNTING_MODULE})
        self.assertEqual({"loads": 1, "event": {"n": 1}}, self.api.invoke({"n": 1}).json())
        self.assertEqual({"loads": 1, "event": {"n": 2}}, self.api.invoke({"n": 2}).json())
        self.assertEqual(1, self.finish(process).count("module loaded\n"))

    def test_module_in_a_folder(self):
        self.start("src/handlers/app.handler", {"src/handlers/app.py": COUNTING_MODULE})
        self.assertEqual({"loads": 1, "event": 7}, self.api.invoke(7).json())

    def test_dotted_package_path(self):
        self.start("pkg.sub.app.handler", {
            "pkg/__init__.py": "", "pkg/sub/__init__.py": "", "pkg/sub/app.py": COUNTING_MODULE,
        })
        self.assertEqual({"loads": 1, "event": "x"}, self.api.invoke("x").json())

    def test_function_files_named_like_standard_modules_do_not_break_the_runtime(self):
        # http.py, logging.py, json.py in the function's code: the runtime imported them after /var/task went first on
        # sys.path, got the function's files and crashed before the handler loaded (AWS imports its runtime first).
        shadows = {name + ".py": "raise SystemExit('the function\'s own %s was imported by the runtime')\n" % name
                   for name in ("http", "logging", "json", "email", "socket", "token")}
        shadows["app.py"] = "def handler(e, c):\n    return {'ok': e}\n"
        self.start("app.handler", shadows)
        self.assertEqual({"ok": 5}, self.api.invoke(5).json())

    def test_response_is_posted_as_json(self):
        self.start("app.handler", {"app.py": "def handler(e, c):\n    return {'ok': True}\n"})
        posted = self.api.invoke({})
        self.assertEqual("response", posted.kind)
        self.assertEqual(b'{"ok": true}', posted.body)
        self.assertEqual("application/json", posted.headers["content-type"])


class ExecWrapperTests(RuntimeTestCase):
    def test_the_wrapper_gets_the_interpreter_command_line(self):
        directory = tempfile.mkdtemp(prefix="pyrt-wrapper-")
        self.addCleanup(shutil.rmtree, directory, True)
        wrapper = os.path.join(directory, "wrapper.sh")
        with open(wrapper, "w") as f:
            f.write('#!/bin/sh\nexport WRAPPED="$1 $2"\nexec "$@"\n')
        os.chmod(wrapper, 0o755)
        self.start("app.handler", {"app.py": "import os\ndef handler(e, c):\n    return os.environ.get('WRAPPED')\n"},
                   env={"AWS_LAMBDA_EXEC_WRAPPER": wrapper})
        self.assertEqual("python3 -u", self.api.invoke({}).json())

    def test_a_missing_wrapper_stops_the_start(self):
        process = self.start("app.handler", {"app.py": ""}, env={"AWS_LAMBDA_EXEC_WRAPPER": "/nonexistent/wrapper"})
        self.assertEqual(127, process.wait_exit())
        self.assertIn("/nonexistent/wrapper: does not exist", process.stderr)


class PathTests(RuntimeTestCase):
    def test_sys_path_order(self):
        process = self.start("app.handler", {"app.py": "import sys\ndef handler(e, c):\n    return sys.path\n"})
        path = self.api.invoke({}).json()
        opt = process.opt_dir
        self.assertEqual([
            process.task_root,
            opt + "/python/lib/python3.12/site-packages",
        ], path[:2])
        # The interpreter running here may be another 3.x: its own site-packages folder follows the runtime's.
        rest = path[2:]
        if rest[0].startswith(opt + "/python/lib/python3."):
            rest = rest[1:]
        self.assertEqual([opt + "/python", RUNTIME_DIR], rest[:2])
        # Then the interpreter's standard library; its own site-packages are not on sys.path (host_packages serves
        # the SDK from them).
        self.assertTrue(rest[2:], rest)
        self.assertFalse(any(p.endswith(("dist-packages", "site-packages")) for p in rest[2:]), rest)

    def test_layer_module_imports_and_function_code_wins(self):
        self.start("app.handler", {
            "app.py": "import shared, fromlayer\ndef handler(e, c):\n    return [shared.WHERE, fromlayer.WHERE]\n",
            "shared.py": "WHERE = 'task'\n",
        }, opt_files={
            "python/shared.py": "WHERE = 'layer'\n",
            "python/fromlayer.py": "WHERE = 'layer python'\n",
        })
        self.assertEqual(["task", "layer python"], self.api.invoke({}).json())

    def test_layer_site_packages_come_before_layer_python(self):
        self.start("app.handler", {
            "app.py": "import lib\ndef handler(e, c):\n    return lib.WHERE\n",
        }, opt_files={
            "python/lib.py": "WHERE = 'python'\n",
            "python/lib/python3.12/site-packages/lib.py": "WHERE = 'site-packages'\n",
        })
        self.assertEqual("site-packages", self.api.invoke({}).json())

    def test_boto3_imports(self):
        self.start("app.handler", {
            "app.py": "import boto3\ndef handler(e, c):\n    return boto3.__version__\n",
        })
        posted = self.api.invoke({})
        self.assertEqual("response", posted.kind, posted.body)
        self.assertRegex(posted.json(), r"^\d+\.\d+\.\d+")

    def test_execution_environment_variables_reach_the_function(self):
        self.start("app.handler", {
            "app.py": "import os\ndef handler(e, c):\n    return [os.environ['AWS_EXECUTION_ENV'], os.getcwd()]\n",
        })
        env, cwd = self.api.invoke({}).json()
        self.assertEqual("AWS_Lambda_python3.12", env)
        self.assertTrue(os.path.isabs(cwd))
