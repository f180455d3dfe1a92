"""sys.stdout and sys.stderr as awslambdaric wraps them (its Unbuffered: every write flushed at once), plus one fact
the log sink needs: whether the function's output last stopped in the middle of a line.

Why: on AWS a logging record (and context.log) goes to the telemetry descriptor as an event of its own, apart from
print() and stderr output. Here both share stdout, so a record written after `sys.stderr.write("no newline")` would
be glued to that unfinished line, one event instead of two (and in the JSON log format, a line that no longer parses).
The sink ends such a line first (log_format.StandardLogSink). Output that bypasses sys.stdout/sys.stderr (os.write, a
child process) is not seen; it is glued as before.
"""

import sys


class _Output(object):
    at_line_start = True


class Unbuffered(object):
    """A text stream whose writes are flushed at once, and which notes whether the last one ended a line."""

    def __init__(self, stream):
        self.stream = stream

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        pass

    def __getattr__(self, attr):
        return getattr(self.stream, attr)

    def write(self, msg):
        written = self.stream.write(msg)
        self.stream.flush()
        if msg:
            _Output.at_line_start = msg.endswith("\n")
        return written

    def writelines(self, msgs):
        msgs = list(msgs)
        self.stream.writelines(msgs)
        self.stream.flush()
        for msg in reversed(msgs):
            if msg:
                _Output.at_line_start = msg.endswith("\n")
                break


def install():
    """Wraps sys.stdout and sys.stderr (once), as awslambdaric's bootstrap does before it loads the handler."""
    if not isinstance(sys.stdout, Unbuffered):
        sys.stdout = Unbuffered(sys.stdout)
    if not isinstance(sys.stderr, Unbuffered):
        sys.stderr = Unbuffered(sys.stderr)


def at_line_start():
    """False when the last write through sys.stdout or sys.stderr left a line unfinished."""
    return _Output.at_line_start
