"""The handler's return value and the event, with awslambdaric's JSON rules."""

from runtime_test_case import RuntimeTestCase

RETURNS = """
import collections, datetime, decimal
Point = collections.namedtuple("Point", "x y")
VALUES = {
    "none": None,
    "decimal": {"price": decimal.Decimal("1.10"), "big": decimal.Decimal("12345678901234567890.000001"),
                "nan": decimal.Decimal("NaN"), "list": [decimal.Decimal("-0.5")]},
    "floats": [float("nan"), float("inf"), 1.5],
    "namedtuple": {"p": Point(1, 2), "t": (1, 2)},
    "unicode": {"text": "h\\u00e9llo \\u2603"},
    "bytes": b"\\x00raw bytes",
    "datetime": {"when": datetime.datetime(2024, 1, 2, 3, 4, 5)},
    "set": {1, 2},
    "string": "plain",
}
def handler(event, context):
    return VALUES[event]
"""


class MarshallingTests(RuntimeTestCase):
    def invoke(self, name, env=None):
        self.start("app.handler", {"app.py": RETURNS}, env)
        return self.api.invoke(name)

    def test_none_is_null(self):
        self.assertEqual(b"null", self.invoke("none").body)

    def test_string(self):
        self.assertEqual(b'"plain"', self.invoke("string").body)

    def test_decimal_keeps_its_exact_text(self):
        self.assertEqual(
            b'{"price": 1.10, "big": 12345678901234567890.000001, "nan": NaN, "list": [-0.5]}',
            self.invoke("decimal").body)

    def test_nan_and_infinity_floats(self):
        self.assertEqual(b"[NaN, Infinity, 1.5]", self.invoke("floats").body)

    def test_namedtuple_is_an_object(self):
        self.assertEqual(b'{"p": {"x": 1, "y": 2}, "t": [1, 2]}', self.invoke("namedtuple").body)

    def test_unicode_unescaped_from_python3_12(self):
        self.assertEqual('{"text": "h\u00e9llo \u2603"}'.encode("utf-8"), self.invoke("unicode").body)

    def test_unicode_escaped_before_python3_12(self):
        posted = self.invoke("unicode", {"AWS_EXECUTION_ENV": "AWS_Lambda_python3.11"})
        self.assertEqual(b'{"text": "h\\u00e9llo \\u2603"}', posted.body)

    def test_bytes_are_sent_as_they_are(self):
        posted = self.invoke("bytes")
        self.assertEqual(b"\x00raw bytes", posted.body)
        self.assertEqual("application/unknown", posted.headers["content-type"])

    def test_not_serializable(self):
        posted = self.invoke("datetime")
        self.assertEqual("error", posted.kind)
        self.assertEqual({
            "errorMessage": "Unable to marshal response: Object of type datetime is not JSON serializable",
            "errorType": "Runtime.MarshalError",
            "requestId": posted.request_id,
            "stackTrace": [],
        }, posted.json())
        self.assertEqual("Runtime.MarshalError", posted.headers["lambda-runtime-function-error-type"])

    def test_set_not_serializable(self):
        self.assertEqual("Unable to marshal response: Object of type set is not JSON serializable",
                         self.invoke("set").json()["errorMessage"])

    def test_unparsable_event(self):
        self.start("app.handler", {"app.py": RETURNS})
        posted = self.api.invoke(None, raw=b"{nope")
        self.assertEqual({
            "errorMessage": "Unable to unmarshal input: Expecting property name enclosed in double quotes: "
                            "line 1 column 2 (char 1)",
            "errorType": "Runtime.UnmarshalError",
            "requestId": posted.request_id,
            "stackTrace": [],
        }, posted.json())

    def test_event_of_another_content_type_is_bytes(self):
        self.start("app.handler", {"app.py": "def handler(e, c):\n    return [type(e).__name__, e.decode()]\n"})
        posted = self.api.invoke(None, raw=b"not json", headers={"Content-Type": "text/plain"})
        self.assertEqual(["bytes", "not json"], posted.json())
