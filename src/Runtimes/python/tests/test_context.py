"""The context object and the per-invocation trace id."""

import json
import time

from runtime_test_case import RuntimeTestCase

CONTEXT_HANDLER = """
import os
def handler(event, context):
    cc = context.client_context
    return {
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "aws_request_id": context.aws_request_id,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "identity": [context.identity.cognito_identity_id, context.identity.cognito_identity_pool_id],
        "client_context": None if cc is None else {
            "custom": cc.custom, "env": cc.env,
            "client": None if cc.client is None else [cc.client.installation_id, cc.client.app_title],
        },
        "remaining": context.get_remaining_time_in_millis(),
        "trace": os.environ.get("_X_AMZN_TRACE_ID"),
    }
"""


class ContextTests(RuntimeTestCase):
    def setUp(self):
        super().setUp()
        self.start("app.handler", {"app.py": CONTEXT_HANDLER})

    def test_fields(self):
        deadline = int(time.time() * 1000) + 120000
        posted = self.api.invoke({}, headers={
            "Lambda-Runtime-Deadline-Ms": str(deadline),
            "Lambda-Runtime-Trace-Id": "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
        })
        result = posted.json()
        remaining = result.pop("remaining")
        self.assertEqual({
            "function_name": "fn",
            "function_version": "$LATEST",
            "invoked_function_arn": "arn:aws:lambda:us-east-1:000000000000:function:fn",
            "memory_limit_in_mb": "256",  # a string, as on AWS
            "aws_request_id": posted.request_id,
            "log_group_name": "/aws/lambda/fn",
            "log_stream_name": "2026/01/01/[$LATEST]0123456789abcdef",
            "identity": [None, None],
            "client_context": None,
            "trace": "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
        }, result)
        self.assertGreater(remaining, 0)
        self.assertLessEqual(remaining, 120000)

    def test_past_deadline_leaves_zero(self):
        posted = self.api.invoke({}, headers={"Lambda-Runtime-Deadline-Ms": str(int(time.time() * 1000) - 5000)})
        self.assertEqual(0, posted.json()["remaining"])

    def test_trace_id_is_per_invocation(self):
        first = self.api.invoke({}, headers={"Lambda-Runtime-Trace-Id": "Root=1-aaaaaaaa-000000000000000000000001"})
        second = self.api.invoke({})
        self.assertEqual("Root=1-aaaaaaaa-000000000000000000000001", first.json()["trace"])
        self.assertIsNone(second.json()["trace"])

    def test_client_context_and_cognito_identity(self):
        result = self.api.invoke({}, headers={
            "Lambda-Runtime-Client-Context": json.dumps({
                "custom": {"k": "v"}, "env": {"platform": "x"},
                "client": {"installation_id": "i-1", "app_title": "App"},
            }),
            "Lambda-Runtime-Cognito-Identity": json.dumps({
                "cognitoIdentityId": "us-east-1:abc", "cognitoIdentityPoolId": "us-east-1:pool",
            }),
        }).json()
        self.assertEqual({"custom": {"k": "v"}, "env": {"platform": "x"}, "client": ["i-1", "App"]},
                         result["client_context"])
        self.assertEqual(["us-east-1:abc", "us-east-1:pool"], result["identity"])

    def test_unparsable_client_context(self):
        posted = self.api.invoke({}, headers={"Lambda-Runtime-Client-Context": "{not json"})
        self.assertEqual("error", posted.kind)
        body = posted.json()
        self.assertEqual("Runtime.LambdaContextUnmarshalError", body["errorType"])
        self.assertTrue(body["errorMessage"].startswith("Unable to parse Client Context JSON: "), body)
