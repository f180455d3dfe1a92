"""A handler that cannot be loaded: AWS's body posted to /init/error with its error type header, the warning and
the error in the log, and exit status 1."""

from runtime_test_case import RuntimeTestCase

WARNING_START = "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code."


class InitErrorTests(RuntimeTestCase):
    def assert_init_error(self, handler, files, body):
        process = self.start(handler, files)
        posted = self.api.next_posted()
        self.assertEqual("init_error", posted.kind)
        self.assertEqual(body, posted.json())
        self.assertEqual(body["errorType"], posted.headers["lambda-runtime-function-error-type"])
        self.assertEqual(1, process.wait_exit())
        self.assertEqual(0, self.api.next_calls)
        return self.finish(process)

    def test_missing_module(self):
        log = self.assert_init_error("app.handler", {}, {
            "errorMessage": "Unable to import module 'app': No module named 'app'",
            "errorType": "Runtime.ImportModuleError",
            "requestId": "",
            "stackTrace": [],
        })
        lines = log.split("\n")
        self.assertRegex(lines[0], r"^\[WARNING\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t\t" + WARNING_START)
        self.assertTrue(lines[0].endswith("runtimes-update.html\r"), lines[0])
        self.assertEqual(
            "[ERROR] Runtime.ImportModuleError: Unable to import module 'app': No module named 'app'\r"
            "Traceback (most recent call last):", lines[1])

    def test_missing_module_in_a_folder(self):
        self.assert_init_error("src/app.handler", {"other.py": ""}, {
            "errorMessage": "Unable to import module 'src/app': No module named 'src'",
            "errorType": "Runtime.ImportModuleError",
            "requestId": "",
            "stackTrace": [],
        })

    def test_import_error_inside_the_module(self):
        self.assert_init_error("app.handler", {"app.py": "import not_installed_anywhere\n"}, {
            "errorMessage": "Unable to import module 'app': No module named 'not_installed_anywhere'",
            "errorType": "Runtime.ImportModuleError",
            "requestId": "",
            "stackTrace": [],
        })

    def test_missing_function(self):
        self.assert_init_error("app.handler", {"app.py": "def other(e, c):\n    return 1\n"}, {
            "errorMessage": "Handler 'handler' missing on module 'app'",
            "errorType": "Runtime.HandlerNotFound",
            "requestId": "",
            "stackTrace": [],
        })

    def test_syntax_error(self):
        process = self.start("app.handler", {"app.py": "def handler(e, c)\n    return 1\n"})
        posted = self.api.next_posted()
        self.assertEqual({
            "errorMessage": "Syntax error in module 'app': expected ':' (app.py, line 1)",
            "errorType": "Runtime.UserCodeSyntaxError",
            "requestId": "",
            "stackTrace": ['  File "{}/app.py" Line 1\n    def handler(e, c)\n'.format(process.task_root)],
        }, posted.json())
        self.assertEqual("Runtime.UserCodeSyntaxError", posted.headers["lambda-runtime-function-error-type"])
        self.assertEqual(1, process.wait_exit())

    def test_malformed_handler_name(self):
        self.assert_init_error("app", {"app.py": ""}, {
            "errorMessage": "Bad handler 'app': not enough values to unpack (expected 2, got 1)",
            "errorType": "Runtime.MalformedHandlerName",
            "requestId": "",
            "stackTrace": [],
        })

    def test_built_in_module(self):
        self.assert_init_error("sys.handler", {}, {
            "errorMessage": "Cannot use built-in module sys as a handler module",
            "errorType": "Runtime.BuiltInModuleConflict",
            "requestId": "",
            "stackTrace": [],
        })

    def test_exception_while_the_module_runs(self):
        process = self.start("app.handler", {"app.py": "x = 1\nraise KeyError('boom')\n"})
        posted = self.api.next_posted()
        body = posted.json()
        self.assertEqual(("KeyError", "'boom'", ""), (body["errorType"], body["errorMessage"], body["requestId"]))
        self.assertEqual("KeyError", posted.headers["lambda-runtime-function-error-type"])
        # The trace starts at importlib (the runtime's own frames are cut) and ends in the function's module.
        self.assertIn("importlib", body["stackTrace"][0])
        self.assertIn(process.task_root + '/app.py", line 2, in <module>', body["stackTrace"][-1])
        self.assertFalse(any(process.task_root not in line and "gateway_lambda_runtime" in line
                             for line in body["stackTrace"]))
        self.assertEqual(1, process.wait_exit())
