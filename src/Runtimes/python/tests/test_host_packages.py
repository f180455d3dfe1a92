"""The machine's packages: the SDK (boto3 and what it needs) imports, anything else does not, as on AWS's images,
whose /var/runtime holds boto3 and nothing like `requests` (Debian's botocore still gets its own `requests`)."""

import importlib.util

from runtime_test_case import RuntimeTestCase

# Debian's python3-botocore imports `requests` (python3-requests); scripts/install-deps.sh installs both.
HOST_ONLY = "requests"


class HostPackageTests(RuntimeTestCase):
    def setUp(self):
        super().setUp()
        if importlib.util.find_spec("boto3") is None or importlib.util.find_spec(HOST_ONLY) is None:
            self.fail("python3-boto3 is not installed: run scripts/install-deps.sh")

    def assert_not_importable(self, source):
        self.start("app.handler", {"app.py": source})
        posted = self.api.next_posted()
        self.assertEqual("init_error", posted.kind)
        self.assertEqual("Unable to import module 'app': No module named '{}'".format(HOST_ONLY), posted.json()["errorMessage"])
        self.assertEqual("Runtime.ImportModuleError", posted.json()["errorType"])

    def test_a_package_aws_does_not_ship_is_not_importable(self):
        self.assert_not_importable("import {}\ndef handler(e, c):\n    return 1\n".format(HOST_ONLY))

    def test_nor_after_the_sdk_has_loaded_it_for_itself(self):
        self.assert_not_importable("import boto3\nimport {}\ndef handler(e, c):\n    return 1\n".format(HOST_ONLY))

    def test_nor_through_importlib(self):
        self.start("app.handler", {"app.py": (
            "import importlib\n"
            "def handler(e, c):\n"
            "    try:\n"
            "        importlib.import_module('{}')\n"
            "    except ModuleNotFoundError as error:\n"
            "        return str(error)\n".format(HOST_ONLY))})
        self.assertEqual("No module named '{}'".format(HOST_ONLY), self.api.invoke({}).json())

    def test_the_sdk_imports_and_works(self):
        self.start("app.handler", {"app.py": (
            "import boto3, botocore, s3transfer, jmespath, dateutil, six, urllib3\n"
            "import boto3.dynamodb.types\n"
            "def handler(e, c):\n"
            "    s3 = boto3.client('s3', region_name='us-east-1', aws_access_key_id='a', aws_secret_access_key='b')\n"
            "    url = s3.generate_presigned_url('get_object', Params={'Bucket': 'b', 'Key': 'k'})\n"
            "    return url.startswith('https://') and 'k?' in url\n")})
        self.assertIs(True, self.api.invoke({}).json())

    def test_the_functions_own_copy_wins(self):
        self.start("app.handler", {
            "app.py": "import {0}\ndef handler(e, c):\n    return {0}.WHERE\n".format(HOST_ONLY),
            HOST_ONLY + ".py": "WHERE = 'task'\n",
        })
        self.assertEqual("task", self.api.invoke({}).json())
