"""A handler that raises: AWS's error body with the runtime's frames cut, its headers, and the log lines."""

import json

from runtime_test_case import RuntimeTestCase

RAISING = """
def helper(event):
    raise ValueError("bad input: " + event)

def handler(event, context):
    return helper(event)
"""


class InvocationErrorTests(RuntimeTestCase):
    def test_error_body_and_headers(self):
        process = self.start("app.handler", {"app.py": RAISING})
        posted = self.api.invoke("x")
        app = process.task_root + "/app.py"
        self.assertEqual("error", posted.kind)
        self.assertEqual({
            "errorMessage": "bad input: x",
            "errorType": "ValueError",
            "requestId": posted.request_id,
            "stackTrace": [
                '  File "{}", line 6, in handler\n    return helper(event)\n'.format(app),
                '  File "{}", line 3, in helper\n    raise ValueError("bad input: " + event)\n'.format(app),
            ],
        }, posted.json())
        self.assertEqual("ValueError", posted.headers["lambda-runtime-function-error-type"])
        self.assertEqual("application/json", posted.headers["content-type"])
        self.assertEqual({
            "working_directory": process.task_root,
            "exceptions": [{"message": "bad input: x", "type": "ValueError", "stack": [
                {"label": "handler", "path": app, "line": 6},
                {"label": "helper", "path": app, "line": 3},
            ]}],
            "paths": [app],
        }, json.loads(posted.headers["lambda-runtime-function-xray-error-cause"]))

    def test_error_is_logged_on_one_line(self):
        process = self.start("app.handler", {"app.py": RAISING})
        self.api.invoke("x")
        app = process.task_root + "/app.py"
        log = self.finish(process)
        nbsp = "\u00a0"
        self.assertEqual(
            "[ERROR] ValueError: bad input: x\rTraceback (most recent call last):\r"
            + nbsp * 2 + 'File "{}", line 6, in handler\r'.format(app) + nbsp * 4 + "return helper(event)\r"
            + nbsp * 2 + 'File "{}", line 3, in helper\r'.format(app) + nbsp * 4 + 'raise ValueError("bad input: " + event)\n',
            log)

    def test_the_runtime_keeps_serving_after_an_error(self):
        self.start("app.handler", {"app.py": "def handler(e, c):\n    if e: raise Exception(e)\n    return 'ok'\n"})
        self.assertEqual("error", self.api.invoke("boom").kind)
        self.assertEqual(b'"ok"', self.api.invoke(None).body)

    def test_exception_with_empty_message(self):
        self.start("app.handler", {"app.py": "def handler(e, c):\n    raise RuntimeError()\n"})
        body = self.api.invoke({}).json()
        self.assertEqual(("", "RuntimeError"), (body["errorMessage"], body["errorType"]))

    def test_custom_exception_type(self):
        self.start("app.handler", {"app.py": "class MyError(Exception):\n    pass\n"
                                             "def handler(e, c):\n    raise MyError('custom')\n"})
        posted = self.api.invoke({})
        self.assertEqual("MyError", posted.json()["errorType"])
        self.assertEqual("MyError", posted.headers["lambda-runtime-function-error-type"])

    def test_json_log_format_error_line(self):
        process = self.start("app.handler", {"app.py": RAISING}, env={"AWS_LAMBDA_LOG_FORMAT": "JSON"})
        posted = self.api.invoke("x")
        line = json.loads(self.finish(process))
        self.assertRegex(line.pop("timestamp"), r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(dict(level="ERROR", **posted.json()), line)

    def test_a_deep_trace_drops_only_the_xray_cause(self):
        # The X-Ray cause of a RecursionError (every frame) would not fit in a request head the gateway accepts, so
        # it is dropped; the body's trace collapses the repeated frames as Python's traceback module does.
        self.start("app.handler", {"app.py": "def handler(e, c):\n    return handler(e, c)\n"})
        posted = self.api.invoke({})
        body = posted.json()
        self.assertEqual("RecursionError", body["errorType"])
        self.assertTrue(any("Previous line repeated" in line for line in body["stackTrace"]), body["stackTrace"])
        self.assertEqual("", posted.headers["lambda-runtime-function-xray-error-cause"])
        self.assertEqual("error", self.api.invoke({}).kind)
