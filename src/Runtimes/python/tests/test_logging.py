"""The root logger's format (text and JSON), AWS_LAMBDA_LOG_LEVEL, print() and context.log()."""

import json

from runtime_test_case import RuntimeTestCase

LOGGING = """
import logging
logger = logging.getLogger("my.logger")

def handler(event, context):
    print("printed", event)
    logging.debug("debug line")
    logging.info("info line")
    logging.warning("warning %s", "line")
    logger.error("named logger", extra={"orderId": 42})
    try:
        1 / 0
    except ZeroDivisionError:
        logging.exception("caught")
    context.log("via context\\n")
    return "done"
"""

TIMESTAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


class TextLoggingTests(RuntimeTestCase):
    def test_text_lines(self):
        process = self.start("app.handler", {"app.py": LOGGING})
        request_id = self.api.invoke(1).request_id
        lines = self.finish(process).split("\n")
        self.assertEqual("printed 1", lines[0])
        # Default level WARNING: debug and info are not written.
        self.assertRegex(lines[1], r"^\[WARNING\]\t" + TIMESTAMP + "\t" + request_id + r"\twarning line$")
        self.assertRegex(lines[2], r"^\[ERROR\]\t" + TIMESTAMP + "\t" + request_id + r"\tnamed logger$")
        # One logging call, one line (AWS's one log event, which its telemetry descriptor keeps whole): the
        # traceback's newlines are CR, as AWS's Node client writes a record's newlines on stdout.
        self.assertRegex(lines[3], r"^\[ERROR\]\t" + TIMESTAMP + "\t" + request_id
                         + r"\tcaught\rTraceback \(most recent call last\):\r.*\rZeroDivisionError: division by zero$")
        self.assertEqual("via context", lines[4])

    def test_a_record_after_an_unfinished_line_is_an_event_of_its_own(self):
        # On AWS a record goes to the telemetry descriptor, apart from print() and stderr: here it shares stdout (and
        # stderr, the same socket in the gateway), so the unfinished line is ended first rather than glued to the record. context.log without a newline is one
        # event too (one frame on AWS), and so is one with newlines inside.
        process = self.start("app.handler", {"app.py": (
            "import logging, sys\n"
            "def handler(event, context):\n"
            "    print('no newline', end='')\n"
            "    logging.warning('the record')\n"
            "    print('printed', end='')\n"
            "    context.log('via context')\n"
            "    context.log('two\\nlines')\n"
            "    print('after')\n"
            "    return 1\n")})
        request_id = self.api.invoke({}).request_id
        lines = self.finish(process).split("\n")
        self.assertEqual("no newline", lines[0])
        self.assertRegex(lines[1], r"^\[WARNING\]\t" + TIMESTAMP + "\t" + request_id + r"\tthe record$")
        self.assertEqual(["printed", "via context", "two\rlines", "after"], lines[2:6])

    def test_stdout_and_stderr_are_awslambdarics_unbuffered_streams(self):
        self.start("app.handler", {"app.py": (
            "import sys\n"
            "def handler(event, context):\n"
            "    return [type(sys.stdout).__name__, type(sys.stderr).__name__, sys.stdout.encoding.lower()]\n")})
        self.assertEqual(["Unbuffered", "Unbuffered", "utf-8"], self.api.invoke({}).json())

    def test_log_level_debug(self):
        process = self.start("app.handler", {"app.py": LOGGING}, env={"AWS_LAMBDA_LOG_LEVEL": "DEBUG"})
        request_id = self.api.invoke(1).request_id
        lines = self.finish(process).split("\n")
        self.assertRegex(lines[1], r"^\[DEBUG\]\t" + TIMESTAMP + "\t" + request_id + r"\tdebug line$")
        self.assertRegex(lines[2], r"^\[INFO\]\t" + TIMESTAMP + "\t" + request_id + r"\tinfo line$")

    def test_log_level_error(self):
        process = self.start("app.handler", {"app.py": LOGGING}, env={"AWS_LAMBDA_LOG_LEVEL": "ERROR"})
        self.api.invoke(1)
        log = self.finish(process)
        self.assertNotIn("warning line", log)
        self.assertIn("named logger", log)


class JsonLoggingTests(RuntimeTestCase):
    def test_json_lines(self):
        process = self.start("app.handler", {"app.py": LOGGING},
                             env={"AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": "INFO"})
        request_id = self.api.invoke(1).request_id
        lines = self.finish(process).splitlines()
        self.assertEqual("printed 1", lines[0])  # print() is not structured
        records = [json.loads(line) for line in lines[1:5]]
        for record in records:
            self.assertRegex(record.pop("timestamp"), r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual({"level": "INFO", "message": "info line", "logger": "root", "requestId": request_id},
                         records[0])
        self.assertEqual({"level": "WARNING", "message": "warning line", "logger": "root", "requestId": request_id},
                         records[1])
        self.assertEqual({"level": "ERROR", "message": "named logger", "logger": "my.logger",
                          "requestId": request_id, "orderId": 42}, records[2])
        caught = records[3]
        self.assertEqual(("ERROR", "caught", "ZeroDivisionError", "division by zero"),
                         (caught["level"], caught["message"], caught["errorType"], caught["errorMessage"]))
        self.assertTrue(caught["location"].endswith("/app.py:handler:14"), caught["location"])
        self.assertIn("1 / 0", caught["stackTrace"][0])
        self.assertIn("via context", lines[5])

    def test_request_id_is_empty_outside_an_invocation(self):
        process = self.start("app.handler", {"app.py": "import logging\nlogging.warning('at init')\n"
                                                        "def handler(e, c):\n    return 1\n"},
                             env={"AWS_LAMBDA_LOG_FORMAT": "JSON"})
        self.api.invoke(1)
        record = json.loads(self.finish(process).splitlines()[0])
        self.assertEqual(("at init", ""), (record["message"], record["requestId"]))
