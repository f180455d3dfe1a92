"""The runtime's life: load the handler once (reporting a failure to /init/error and exiting 1, as awslambdaric
does), then fetch, run and answer one invocation at a time."""

import json
import logging
import os
import sys

from . import error_reports, log_format, marshalling, streams
from .context import LambdaContext
from .faults import FaultException
from .handler_loader import load_handler
from .runtime_api import RuntimeApiClient

# Logged before an init error, word for word as AWS's runtime logs it.
UNHANDLED_EXCEPTION_WARNING = (
    "LAMBDA_WARNING: "
    "Unhandled exception. "
    "The most likely cause is an issue in the function code. "
    "However, in rare cases, a Lambda runtime update can cause unexpected function behavior. "
    "For functions using managed runtimes, runtime updates can be triggered by a function change, or can be applied automatically. "
    "To determine if the runtime has been updated, check the runtime version in the INIT_START log entry. "
    "If this error correlates with a change in the runtime version, you may be able to mitigate this error by temporarily rolling back to the previous runtime version. "
    "For more information, see https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html\r"
)


def main():
    client = RuntimeApiClient(os.environ.get("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"))
    run(os.environ.get("_HANDLER", ""), client)


def run(handler_name, client):
    streams.install()
    json_format = log_format.is_json()
    sink = log_format.StandardLogSink()

    error_body = None
    try:
        log_format.setup(sink, json_format, log_format.level_from_env())
        handler = load_handler(handler_name)
    except FaultException as e:
        error_body = error_reports.make_error(e.msg, e.exception_type, e.trace)
    except Exception:
        error_body, _ = error_reports.from_exception(sys.exc_info())
    if error_body is not None:
        logging.warning(UNHANDLED_EXCEPTION_WARNING)
        log_format.log_error(error_body, sink, json_format)
        client.post_init_error(error_body)
        sys.exit(1)

    while True:
        invocation = client.next()
        log_format.CurrentInvocation.aws_request_id = invocation.invoke_id
        log_format.CurrentInvocation.tenant_id = invocation.tenant_id
        _set_trace_id(invocation.x_amzn_trace_id)
        _handle(client, handler, invocation, sink, json_format)


def _set_trace_id(trace_id):
    """_X_AMZN_TRACE_ID is the current invocation's (the X-Ray SDK reads it); absent when it has none."""
    if trace_id is not None:
        os.environ["_X_AMZN_TRACE_ID"] = trace_id
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)


def _parse_json_header(value, name):
    try:
        return json.loads(value)
    except Exception as e:
        raise FaultException(
            FaultException.LAMBDA_CONTEXT_UNMARSHAL_ERROR, "Unable to parse {} JSON: {}".format(name, e)
        )


def _handle(client, handler, invocation, sink, json_format):
    invoke_id = invocation.invoke_id
    try:
        client_context = None
        if invocation.client_context:
            client_context = _parse_json_header(invocation.client_context, "Client Context")
        cognito_identity = None
        if invocation.cognito_identity:
            cognito_identity = _parse_json_header(invocation.cognito_identity, "Cognito Identity")
        context = LambdaContext(invoke_id, client_context, cognito_identity, invocation.deadline_time_in_ms,
                                invocation.invoked_function_arn, invocation.tenant_id)
        event = marshalling.unmarshal_request(invocation.event_body, invocation.content_type)
        response = handler(event, context)
        body, content_type = marshalling.marshal_response(response)
    except FaultException as e:
        error_body = error_reports.make_error(e.msg, e.exception_type, e.trace, invoke_id)
        xray_fault = error_reports.make_xray_fault("LambdaValidationError", e.msg, os.getcwd(), [])
    except Exception:
        error_body, xray_fault = error_reports.from_exception(sys.exc_info(), invoke_id)
    else:
        client.post_result(invoke_id, body, content_type)
        return
    log_format.log_error(error_body, sink, json_format)
    client.post_error(invoke_id, error_body, xray_fault)
