"""Base for the bootstrap's tests: a fake Runtime API per test and the bootstrap started against it."""

import unittest

from bootstrap_process import BootstrapProcess
from fake_runtime_api import FakeRuntimeApi


class RuntimeTestCase(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.api = FakeRuntimeApi()
        self.addCleanup(self.api.close)

    def start(self, handler, files, env=None, opt_files=None):
        process = BootstrapProcess(self.api, handler, files, env, opt_files)
        self.addCleanup(process.stop)
        return process

    def finish(self, process):
        """Stops the process and returns everything it wrote to stdout (its log)."""
        process.stop()
        return process.stdout
