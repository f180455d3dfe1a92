"""What AWS's Python images put beside their runtime client in /var/runtime, importable by a function: SnapStart's
runtime hooks (snapshot_restore_py), awslambdaric's context classes and simplejson; and no frame of the gateway's
import guard in a trace."""

from runtime_test_case import RuntimeTestCase


class AwsRuntimeModuleTests(RuntimeTestCase):
    def test_snapstart_hooks_register_as_decorators_and_calls(self):
        self.start("app.handler", {"app.py": (
            "from snapshot_restore_py import register_before_snapshot, register_after_restore\n"
            "from snapshot_restore_py import get_before_snapshot, get_after_restore\n"
            "@register_before_snapshot\n"
            "def before():\n"
            "    return 'b'\n"
            "def after(x, y=None):\n"
            "    return x\n"
            "register_after_restore(after, 1, y=2)\n"
            "def handler(e, c):\n"
            "    return [before(), [f.__name__ for f, _, _ in get_before_snapshot()],\n"
            "            [[f.__name__, list(a), k] for f, a, k in get_after_restore()]]\n")})
        self.assertEqual(["b", ["before"], [["after", [1], {"y": 2}]]], self.api.invoke({}).json())

    def test_the_context_is_awslambdarics_lambda_context(self):
        self.start("app.handler", {"app.py": (
            "from awslambdaric.lambda_context import LambdaContext\n"
            "def handler(e, c: LambdaContext):\n"
            "    return isinstance(c, LambdaContext)\n")})
        self.assertIs(True, self.api.invoke({}).json())

    def test_simplejson_imports(self):
        # Debian's python3-simplejson, for the machine's Python (scripts/install-deps.sh installs it).
        self.start("app.handler", {"app.py": (
            "import simplejson\n"
            "from decimal import Decimal\n"
            "def handler(e, c):\n"
            "    return simplejson.dumps({'d': Decimal('1.10')})\n")})
        self.assertEqual('{"d": 1.10}', self.api.invoke({}).json())

    def test_an_error_raised_through_an_import_has_no_frame_of_the_import_guard(self):
        process = self.start("app.handler", {
            "app.py": "import helper\ndef handler(e, c):\n    return 1\n",
            "helper.py": "raise ValueError('from helper')\n",
        })
        body = self.api.next_posted().json()
        self.assertEqual(("ValueError", "from helper"), (body["errorType"], body["errorMessage"]))
        self.assertIn(process.task_root + '/helper.py", line 1, in <module>', body["stackTrace"][-1])
        self.assertFalse(any("host_packages" in line for line in body["stackTrace"]), body["stackTrace"])

    def test_nor_one_raised_by_an_import_inside_the_handler(self):
        self.start("app.handler", {
            "app.py": "def handler(e, c):\n    import helper\n    return 1\n",
            "helper.py": "raise ValueError('late')\n",
        })
        posted = self.api.invoke({})
        body = posted.json()
        self.assertEqual("ValueError", body["errorType"])
        self.assertFalse(any("host_packages" in line for line in body["stackTrace"]), body["stackTrace"])
        self.assertIn('app.py", line 2, in handler', body["stackTrace"][0])
