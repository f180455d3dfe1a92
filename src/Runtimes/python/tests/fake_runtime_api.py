"""A Lambda Runtime API (2018-06-01) on 127.0.0.1 for the bootstrap's tests: events are queued by the test,
what the runtime posts back (response, error, init error) is recorded with its headers."""

import http.server
import itertools
import json
import queue
import threading
import time

PREFIX = "/2018-06-01/runtime"
WAIT = 30  # seconds a test waits for the runtime; far above what any step takes, only a guard against hangs


class Posted(object):
    """One request the runtime made: kind is "response", "error" or "init_error"."""

    def __init__(self, kind, request_id, body, headers):
        self.kind = kind
        self.request_id = request_id
        self.body = body
        self.headers = headers

    def json(self):
        return json.loads(self.body)


class FakeRuntimeApi(object):
    def __init__(self):
        self.events = queue.Queue()
        self.posted = queue.Queue()
        self.next_calls = 0
        self._ids = itertools.count(1)
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _reply(self, status, body=b"", headers=None):
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path != PREFIX + "/invocation/next":
                    return self._reply(404)
                api.next_calls += 1
                try:
                    body, headers = api.events.get(timeout=WAIT)
                except queue.Empty:
                    return self._reply(500, b'{"errorMessage":"no event"}')
                self._reply(200, body, headers)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                if self.path == PREFIX + "/init/error":
                    api.posted.put(Posted("init_error", None, body, headers))
                    return self._reply(202, b'{"status":"OK"}')
                parts = self.path[len(PREFIX):].split("/")  # ["", "invocation", id, action]
                if len(parts) == 4 and parts[1] == "invocation" and parts[3] in ("response", "error"):
                    api.posted.put(Posted(parts[3], parts[2], body, headers))
                    return self._reply(202, b'{"status":"OK"}')
                self._reply(404)

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # a runtime killed at the end of a test drops its connection mid-reply

        self._server = Server(("127.0.0.1", 0), Handler)
        self.address = "127.0.0.1:{}".format(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def queue_event(self, event, headers=None, raw=None, request_id=None):
        """Queues one invocation; returns its request id. The deadline is a minute away unless headers say otherwise."""
        request_id = request_id or "req-{}".format(next(self._ids))
        all_headers = {
            "Content-Type": "application/json",
            "Lambda-Runtime-Aws-Request-Id": request_id,
            "Lambda-Runtime-Deadline-Ms": str(int(time.time() * 1000) + 60000),
            "Lambda-Runtime-Invoked-Function-Arn": "arn:aws:lambda:us-east-1:000000000000:function:fn",
        }
        all_headers.update(headers or {})
        body = raw if raw is not None else json.dumps(event).encode()
        self.events.put((body, all_headers))
        return request_id

    def invoke(self, event, headers=None, raw=None):
        """Queues an event and returns what the runtime posted for it."""
        request_id = self.queue_event(event, headers, raw)
        posted = self.next_posted()
        assert posted.request_id == request_id, (posted.kind, posted.request_id, request_id)
        return posted

    def next_posted(self):
        return self.posted.get(timeout=WAIT)

    def close(self):
        self._server.shutdown()
        self._server.server_close()
