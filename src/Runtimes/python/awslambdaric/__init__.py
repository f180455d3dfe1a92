"""The name of AWS's Python runtime client, which sits in /var/runtime on AWS's images, so a function may import
from it (most often `from awslambdaric.lambda_context import LambdaContext`, for type hints). Here the runtime is
gateway_lambda_runtime; this package only gives its public pieces AWS's module names."""
