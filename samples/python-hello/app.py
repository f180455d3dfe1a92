"""A Python function as AWS's python3.12 runtime runs it, unchanged: create it with --runtime python3.12
--handler app.lambda_handler. It greets {"name": …} and says where it ran; logging goes to the function's log."""

import logging

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def lambda_handler(event, context):
    name = event.get("name", "world") if isinstance(event, dict) else "world"
    logger.info("greeting %s", name)
    return {
        "message": "Hello, {}!".format(name),
        "functionName": context.function_name,
        "requestId": context.aws_request_id,
        "remainingMs": context.get_remaining_time_in_millis(),
    }
