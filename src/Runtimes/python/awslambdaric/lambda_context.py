"""awslambdaric.lambda_context as AWS's runtime client names it: the context classes a handler receives."""

from gateway_lambda_runtime.context import Client, ClientContext, CognitoIdentity, LambdaContext  # noqa: F401
