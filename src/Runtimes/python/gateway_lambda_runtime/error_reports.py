"""The error body Lambda returns for a failed init or invocation ({errorMessage, errorType, requestId,
stackTrace}) and the X-Ray cause that goes with it, with the runtime's own frames cut from the front of the trace."""

import os
import traceback

# The runtime's folder (bootstrap.py and this package): frames from here are the runtime's, not the function's.
_RUNTIME_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def make_error(error_message, error_type, stack_trace, invoke_id=None):
    return {
        "errorMessage": error_message if error_message else "",
        "errorType": error_type if error_type else "",
        "requestId": invoke_id if invoke_id is not None else "",
        "stackTrace": stack_trace if stack_trace else [],
    }


# The check in front of __import__ (host_packages.guard) sits between every `import` statement and the import
# machinery: a frame AWS's runtime has no counterpart of, so it is left out wherever it shows up in a trace.
_IMPORT_GUARD_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "host_packages.py")


def function_frames(tb):
    """(file, line, name, source) of each frame, from the first one outside the runtime on (all of them when
    every frame is the runtime's, as awslambdaric does), without the import guard's."""
    frames = [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(tb)
              if os.path.abspath(f.filename) != _IMPORT_GUARD_FILE]
    for i, frame in enumerate(frames):
        if not os.path.abspath(frame[0]).startswith(_RUNTIME_DIR):
            return frames[i:]
    return frames


def from_exception(exc_info, invoke_id=None):
    """(error body, X-Ray cause) for an exception raised by the function's code."""
    etype, value, tb = exc_info
    frames = function_frames(tb)
    body = make_error(str(value), etype.__name__, traceback.format_list(frames), invoke_id)
    return body, make_xray_fault(etype.__name__, str(value), os.getcwd(), frames)


def make_xray_fault(ex_type, ex_msg, working_dir, frames):
    stack = [{"label": name, "path": path, "line": line} for path, line, name, _ in frames]
    return {
        "working_directory": working_dir,
        "exceptions": [{"message": ex_msg, "type": ex_type, "stack": stack}],
        "paths": list({path for path, _, _, _ in frames}),
    }
