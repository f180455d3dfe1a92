"""JSON in and out with awslambdaric's rules, which it gets from simplejson; here on the standard library:

- a Decimal is written as its exact text (Decimal("1.10") -> 1.10), a NaN Decimal as NaN;
- NaN and Infinity floats are allowed (NaN, Infinity);
- an object with an _asdict() method (a namedtuple) is written as an object, any other tuple as an array;
- on python3.12 and later (AWS_EXECUTION_ENV) non-ASCII text is written as is, before that as \\u escapes;
- bytes returned by a handler are sent unchanged as application/unknown; None is null;
- anything else that JSON cannot represent is Runtime.MarshalError "Unable to marshal response: …".
"""

import decimal
import json
import math
import os

from .faults import FaultException

# The runtimes whose awslambdaric writes non-ASCII characters unescaped.
_UNESCAPED_RUNTIMES = {
    "AWS_Lambda_python3.12",
    "AWS_Lambda_python3.13",
    "AWS_Lambda_python3.14",
    "AWS_Lambda_python3.15",
}


class _Encoding(object):
    """One encode: Decimals are replaced by unique placeholder strings while the standard encoder runs, then the
    placeholders (quotes included) by the Decimals' exact text; the standard encoder cannot emit raw text."""

    def __init__(self, ensure_ascii):
        self._raw = {}
        self._nonce = None
        self._encoder = json.JSONEncoder(ensure_ascii=ensure_ascii, allow_nan=True, default=self._default)

    def _default(self, obj):
        if isinstance(obj, decimal.Decimal):
            if obj.is_nan():
                return math.nan
            if self._nonce is None:
                self._nonce = os.urandom(16).hex()
            placeholder = "{}-{}".format(self._nonce, len(self._raw))
            self._raw['"' + placeholder + '"'] = str(obj)
            return placeholder
        raise TypeError("Object of type {} is not JSON serializable".format(obj.__class__.__name__))

    def encode(self, obj):
        text = self._encoder.encode(_as_simplejson_sees_it(obj))
        for placeholder, raw in self._raw.items():
            text = text.replace(placeholder, raw, 1)
        return text


def _as_simplejson_sees_it(obj):
    """obj with every object that has _asdict() (namedtuples) turned into a dict, in simplejson's order of checks;
    containers without one are returned as they are (no copy)."""
    if obj is None or isinstance(obj, (str, int, float)):
        return obj
    if isinstance(obj, list):
        return _convert_items(obj, list)
    as_dict = getattr(obj, "_asdict", None)
    if as_dict is not None and callable(as_dict):
        return {k: _as_simplejson_sees_it(v) for k, v in as_dict().items()}
    if isinstance(obj, tuple):
        return _convert_items(obj, list)
    if isinstance(obj, dict):
        converted = None
        for key, value in obj.items():
            new = _as_simplejson_sees_it(value)
            if new is not value and converted is None:
                converted = dict(obj)
            if converted is not None:
                converted[key] = new
        return obj if converted is None else converted
    return obj


def _convert_items(items, make):
    converted = [_as_simplejson_sees_it(item) for item in items]
    if all(new is old for new, old in zip(converted, items)):
        return items
    return make(converted)


def _ensure_ascii():
    return os.environ.get("AWS_EXECUTION_ENV") not in _UNESCAPED_RUNTIMES


def to_json(obj):
    return _Encoding(_ensure_ascii()).encode(obj)


def marshal_response(response):
    """(body bytes, content type) for the handler's return value."""
    if isinstance(response, bytes):
        return response, "application/unknown"
    try:
        return to_json(response).encode("utf-8"), "application/json"
    except Exception as e:
        raise FaultException(FaultException.MARSHAL_ERROR, "Unable to marshal response: {}".format(e))


def unmarshal_request(body, content_type):
    """The event: parsed JSON when the Runtime API says application/json, else the raw bytes."""
    if content_type != "application/json":
        return body
    try:
        return json.loads(body)
    except Exception as e:
        raise FaultException(FaultException.UNMARSHAL_ERROR, "Unable to unmarshal input: {}".format(e))
