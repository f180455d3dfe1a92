"""Finds the function's handler from _HANDLER ("module.function", "dir/module.function", "pkg.module.function"),
importing its module once at init, with AWS's error types and messages for each way that fails."""

import importlib
import sys

from .faults import FaultException


def load_handler(handler):
    # Unpacking (not a length check) so the message is Python's own, as AWS reports it:
    # "Bad handler 'app': not enough values to unpack (expected 2, got 1)".
    try:
        module_name, function_name = handler.rsplit(".", 1)
    except ValueError as e:
        raise FaultException(FaultException.MALFORMED_HANDLER_NAME, "Bad handler '{}': {}".format(handler, e))

    if module_name.split(".")[0] in sys.builtin_module_names:
        raise FaultException(
            FaultException.BUILT_IN_MODULE_CONFLICT,
            "Cannot use built-in module {} as a handler module".format(module_name),
        )
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as e:
        raise FaultException(
            FaultException.IMPORT_MODULE_ERROR, "Unable to import module '{}': {}".format(module_name, e)
        )
    except SyntaxError as e:
        # AWS's one-line trace for a syntax error: file, line and the offending source line (not a traceback).
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise FaultException(
            FaultException.USER_CODE_SYNTAX_ERROR,
            "Syntax error in module '{}': {}".format(module_name, e),
            trace,
        )
    # Any other exception raised while the module runs propagates: it is reported with its own type.

    try:
        return getattr(module, function_name)
    except AttributeError:
        raise FaultException(
            FaultException.HANDLER_NOT_FOUND,
            "Handler '{}' missing on module '{}'".format(function_name, module_name),
        )
