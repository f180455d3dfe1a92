"""Runs the Python runtime's tests (unittest discovery in this folder) and, for ./test.sh, writes the counts as
"passed failed skipped" to the file named by the first argument, then the id of each failed test on a line of its own
(./test.sh repeats them above its summary). Exit status 1 when any test failed."""

import os
import sys
import unittest


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    suite = unittest.defaultTestLoader.discover(here, top_level_dir=here)
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    skipped = len(result.skipped)
    passed = result.testsRun - failed - skipped
    if len(argv) > 1:
        with open(argv[1], "w") as f:
            f.write("{} {} {}\n".format(passed, failed, skipped))
            for test, _ in result.failures + result.errors:
                f.write(test.id() + "\n")
            for test in result.unexpectedSuccesses:
                f.write(test.id() + "\n")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
