"""The root logger as awslambdaric sets it up: AWS's text line or, with AWS_LAMBDA_LOG_FORMAT=JSON, one JSON
object a line; AWS_LAMBDA_LOG_LEVEL sets the root level. Everything goes to stdout, which the gateway captures
as the function's log stream (awslambdaric writes to a telemetry descriptor on AWS, stdout elsewhere); a record's
own newlines are written as CR, so one logging call stays one event."""

import json
import logging
import os
import sys
import time
import traceback

from . import marshalling, streams

TEXT_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n"
TEXT_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"
JSON_DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

# A multi-line error is written as one line (lines joined by CR), indentation as no-break spaces, so a log
# reader that splits on LF keeps one error as one record.
_ERROR_LINE_SEPARATOR = "\r"
_ERROR_INDENT = "\u00a0"

# LogRecord attributes that are not copied into a JSON line as extra fields.
_RESERVED_FIELDS = {
    "name", "msg", "args", "levelname", "levelno", "pathname", "filename", "module", "exc_info", "exc_text",
    "stack_info", "lineno", "funcName", "created", "msecs", "relativeCreated", "thread", "threadName",
    "processName", "process", "aws_request_id", "tenant_id", "_frame_type",
}


class CurrentInvocation(object):
    """The request id (and tenant id) of the invocation being handled, stamped on every log record."""

    aws_request_id = None
    tenant_id = None


def is_json(environ=None):
    value = (os.environ if environ is None else environ).get("AWS_LAMBDA_LOG_FORMAT")
    return bool(value) and value.upper() == "JSON"


def level_from_env(environ=None):
    """AWS_LAMBDA_LOG_LEVEL as awslambdaric reads it: TRACE (upper case only) means DEBUG; anything that is not a
    logging level name is ignored later."""
    value = (os.environ if environ is None else environ).get("AWS_LAMBDA_LOG_LEVEL")
    return {None: "", "TRACE": "DEBUG"}.get(value, value).upper()


class StandardLogSink(object):
    """Writes each record (a logging call, context.log, the runtime's error line) as one line of stdout: AWS's
    telemetry descriptor keeps each as one event, so here its own newlines become CR and it starts on a line of its own
    (an unfinished line of print() or stderr output is ended first, see streams)."""

    def log(self, msg):
        text = msg[:-1] if msg.endswith("\n") else msg
        self._write_line(text.replace("\n", _ERROR_LINE_SEPARATOR))

    def log_error(self, message_lines):
        self._write_line(_ERROR_LINE_SEPARATOR.join(message_lines))

    @staticmethod
    def _write_line(line):
        sys.stdout.write(line + "\n" if streams.at_line_start() else "\n" + line + "\n")


class LambdaLoggerHandler(logging.Handler):
    def __init__(self, log_sink):
        super().__init__()
        self.log_sink = log_sink

    def emit(self, record):
        # One logging call is one log event, as on AWS (where the runtime writes each record to its telemetry
        # descriptor): on stdout, which the gateway reads line by line, the record's own newlines (a multi-line
        # message, logger.exception's traceback) become CR, as AWS's Node runtime client writes them on stdout.
        self.log_sink.log(self.format(record))


class LambdaLoggerFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = CurrentInvocation.aws_request_id or ""
        record.tenant_id = CurrentInvocation.tenant_id
        return True


def _level_bucket(record):
    """DEBUG/INFO/…: a custom level rounds down to the nearest standard one (25 -> INFO)."""
    return min(50, max(0, record.levelno)) // 10 * 10


class JsonFormatter(logging.Formatter):
    def __init__(self):
        super().__init__(datefmt=JSON_DATE_FORMAT)
        self._encode = json.JSONEncoder(ensure_ascii=False).encode

    def format(self, record):
        record.levelno = _level_bucket(record)
        record.levelname = logging.getLevelName(record.levelno)
        exc_info = record.exc_info
        result = {
            "timestamp": self.formatTime(record, self.datefmt),
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
            "stackTrace": traceback.format_tb(exc_info[2]) if exc_info else None,
            "errorType": exc_info[0].__name__ if exc_info else None,
            "errorMessage": str(exc_info[1]) if exc_info else None,
            "requestId": getattr(record, "aws_request_id", None),
            "location": "{}:{}:{}".format(record.pathname, record.funcName, record.lineno) if exc_info else None,
        }
        if getattr(record, "tenant_id", None) is not None:
            result["tenantId"] = record.tenant_id
        # Fields given with extra={…} join the line.
        result.update(
            (key, value) for key, value in record.__dict__.items() if key not in _RESERVED_FIELDS and key not in result
        )
        return self._encode({k: v for k, v in result.items() if v is not None}) + "\n"


def setup(log_sink, json_format, log_level):
    logging.Formatter.converter = time.gmtime
    handler = LambdaLoggerHandler(log_sink)
    handler.setFormatter(JsonFormatter() if json_format else logging.Formatter(TEXT_FORMAT, TEXT_DATE_FORMAT))
    handler.addFilter(LambdaLoggerFilter())
    root = logging.getLogger()
    if log_level in logging._nameToLevel:
        root.setLevel(log_level)
    root.addHandler(handler)


def log_error(error_result, log_sink, json_format):
    """Writes an error body to the log: a JSON line in JSON mode, else AWS's "[ERROR] Type: message" and traceback."""
    if json_format:
        line = {
            "timestamp": time.strftime(JSON_DATE_FORMAT, time.gmtime(time.time())),
            # "level", the key Lambda's level filter reads (awslambdaric wrote "log_level" until its issue #220 was
            # fixed, and an uncaught error vanished at ApplicationLogLevel WARN).
            "level": "ERROR",
        }
        line.update(error_result)
        log_sink.log_error([marshalling.to_json(line)])
        return

    description = "[ERROR]"
    error_type = error_result.get("errorType")
    if error_type:
        description += " " + error_type
    message = error_result.get("errorMessage")
    if message:
        if error_type:
            description += ":"
        description += " " + message
    lines = [description]
    stack_trace = error_result.get("stackTrace")
    if stack_trace is not None:
        lines.append("Traceback (most recent call last):")
        for element in stack_trace:
            if element == "":
                lines.append("")
                continue
            for line in element.splitlines():
                stripped = line.lstrip(" ")
                lines.append(_ERROR_INDENT * (len(line) - len(stripped)) + stripped)
    log_sink.log_error(lines)
