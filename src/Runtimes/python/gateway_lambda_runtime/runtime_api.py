"""Lambda's Runtime API (2018-06-01) over http.client, on one kept-alive connection to AWS_LAMBDA_RUNTIME_API."""

import http.client
import json
import sys

from . import marshalling

_PREFIX = "/2018-06-01/runtime"
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"
XRAY_ERROR_CAUSE_HEADER = "Lambda-Runtime-Function-XRay-Error-Cause"

# awslambdaric drops the X-Ray cause above 1 MiB; the gateway refuses a request head over 64 KiB, so a cause that
# would not fit is dropped here instead (the error body still carries the whole trace).
_MAX_XRAY_CAUSE = 32 * 1024

_USER_AGENT = "aws-lambda-python/{}.{}.{}-gateway".format(*sys.version_info[:3])

# A body this large is not sent twice: a connection cut while sending it is taken for the server refusing it rather
# than for a stale keep-alive connection (the gateway's Runtime API keeps connections open as long as the runtime does).
_RESEND_LIMIT = 64 * 1024


class RuntimeApiError(Exception):
    def __init__(self, endpoint, status, body):
        super().__init__(
            "Request to Lambda Runtime '{}' endpoint failed. Reason: '{}'. Response body: '{}'".format(endpoint, status, body)
        )
        self.status = status


class Invocation(object):
    """One event from /invocation/next: its body and the headers that describe it."""

    def __init__(self, body, headers):
        self.event_body = body
        self.invoke_id = headers.get("Lambda-Runtime-Aws-Request-Id")
        self.x_amzn_trace_id = headers.get("Lambda-Runtime-Trace-Id") or None
        self.invoked_function_arn = headers.get("Lambda-Runtime-Invoked-Function-Arn")
        deadline = headers.get("Lambda-Runtime-Deadline-Ms")
        self.deadline_time_in_ms = int(deadline) if deadline else 0
        self.client_context = headers.get("Lambda-Runtime-Client-Context") or None
        self.cognito_identity = headers.get("Lambda-Runtime-Cognito-Identity") or None
        self.tenant_id = headers.get("Lambda-Runtime-Aws-Tenant-Id") or None
        self.content_type = headers.get("Content-Type") or None


class RuntimeApiClient(object):
    def __init__(self, address):
        self._address = address
        self._connection = None

    def _request(self, method, path, body=None, headers=None):
        """One request; a kept-alive connection the server has closed meanwhile is reopened once, the request sent
        again. Not a large body: a connection cut around it is the server refusing it (a response over the payload
        limit, answered with 413 and closed), and sending it again would be refused again (and cost its size)."""
        all_headers = {"User-Agent": _USER_AGENT}
        if headers:
            all_headers.update(headers)
        resend = body is None or len(body) <= _RESEND_LIMIT
        for attempt in (1, 2):
            if self._connection is None:
                self._connection = http.client.HTTPConnection(self._address)
            try:
                self._connection.request(method, path, body, all_headers)
                response = self._connection.getresponse()
                payload = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self._connection.close()
                self._connection = None
                if attempt == 2 or not resend:
                    raise
        if response.will_close:
            self._connection.close()
            self._connection = None
        if not 200 <= response.status < 300:
            raise RuntimeApiError(path, response.status, payload)
        return payload, response.headers

    def next(self):
        body, headers = self._request("GET", _PREFIX + "/invocation/next")
        return Invocation(body, headers)

    def post_result(self, invoke_id, body, content_type):
        """Posts the handler's result. A result over the payload limit is refused (413, or the connection cut while it
        was still being sent) and answered to the caller as Function.ResponseSizeTooLarge: that is not the runtime's
        failure, so the loop goes on to the next event, as AWS's Node.js runtime client does."""
        self._post_refusable("{}/invocation/{}/response".format(_PREFIX, invoke_id), body, {"Content-Type": content_type})

    def _post_refusable(self, path, body, headers):
        try:
            self._request("POST", path, body, headers)
        except RuntimeApiError as error:
            if error.status != 413:
                raise
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            if len(body) <= _RESEND_LIMIT:
                raise

    def post_error(self, invoke_id, error_body, xray_fault):
        # Header values must be ASCII: the cause is written with \u escapes.
        cause = json.dumps(xray_fault) if xray_fault is not None else ""
        headers = {"Content-Type": "application/json", XRAY_ERROR_CAUSE_HEADER: cause if len(cause) < _MAX_XRAY_CAUSE else ""}
        headers.update(_error_type_header(error_body))
        # An error over the payload limit (a huge message) is refused like a result: the caller gets the gateway's
        # answer for it, and the loop goes on.
        self._post_refusable("{}/invocation/{}/error".format(_PREFIX, invoke_id),
                             marshalling.to_json(error_body).encode("utf-8"), headers)

    def post_init_error(self, error_body):
        self._request("POST", _PREFIX + "/init/error", marshalling.to_json(error_body).encode("utf-8"),
                      _error_type_header(error_body))


def _error_type_header(error_body):
    """The error type header (the gateway reports it as the invocation's error type); left out when the type is
    not plain ASCII (a Python class name may not be), since a header value cannot carry it."""
    error_type = error_body.get("errorType") or ""
    return {ERROR_TYPE_HEADER: error_type} if error_type.isascii() and error_type.isprintable() else {}
