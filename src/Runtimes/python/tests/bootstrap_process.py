"""Starts the real bootstrap (src/Runtimes/python/bootstrap) as the gateway does: a fresh environment with the
Lambda variables, a task root holding the test's function files, and the Runtime API address."""

import os
import shutil
import subprocess
import tempfile
import textwrap
import threading

RUNTIME_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BOOTSTRAP = os.path.join(RUNTIME_DIR, "bootstrap")


class BootstrapProcess(object):
    def __init__(self, api, handler, files, env=None, opt_files=None):
        self.root = tempfile.mkdtemp(prefix="pyrt-test-")
        self.task_root = os.path.join(self.root, "task")
        self.opt_dir = os.path.join(self.root, "opt")
        _write_files(self.task_root, files)
        _write_files(self.opt_dir, opt_files or {})
        environment = {
            # The gateway's PATH: the machine's Python 3 (Debian's, whose dist-packages hold boto3).
            "PATH": "/usr/local/bin:/usr/bin/:/bin:/opt/bin",
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "_HANDLER": handler,
            "AWS_LAMBDA_RUNTIME_API": api.address,
            "LAMBDA_TASK_ROOT": self.task_root,
            "LAMBDA_RUNTIME_DIR": RUNTIME_DIR,
            "GATEWAY_OPT_DIR": self.opt_dir,
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
            "AWS_LAMBDA_FUNCTION_NAME": "fn",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
            "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/fn",
            "AWS_LAMBDA_LOG_STREAM_NAME": "2026/01/01/[$LATEST]0123456789abcdef",
            "AWS_REGION": "us-east-1",
        }
        environment.update(env or {})
        self.process = subprocess.Popen(
            [BOOTSTRAP], cwd=self.task_root, env=environment,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        self._stdout = []
        self._stderr = []
        self._readers = [
            threading.Thread(target=_drain, args=(self.process.stdout, self._stdout), daemon=True),
            threading.Thread(target=_drain, args=(self.process.stderr, self._stderr), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def wait_exit(self, timeout=30):
        code = self.process.wait(timeout=timeout)
        for reader in self._readers:
            reader.join(timeout)
        self.process.stdout.close()
        self.process.stderr.close()
        return code

    def stop(self):
        """Ends the process (the gateway kills an environment the same way) and returns its output."""
        if self.process.poll() is None:
            self.process.kill()
        self.wait_exit()
        shutil.rmtree(self.root, ignore_errors=True)

    @property
    def stdout(self):
        return b"".join(self._stdout).decode("utf-8")

    @property
    def stderr(self):
        return b"".join(self._stderr).decode("utf-8")


def _drain(stream, chunks):
    for chunk in iter(lambda: stream.read1(65536), b""):
        chunks.append(chunk)


def _write_files(root, files):
    os.makedirs(root, exist_ok=True)
    for name, content in files.items():
        path = os.path.join(root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(textwrap.dedent(content))
