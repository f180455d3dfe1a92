// A Node.js function as Lambda's nodejs20.x runs it: an ES module exporting an async handler. Gateway runs it
// unchanged (README, "Node.js and Python functions"):
//
//   cd samples/node-hello && zip -q ../../node-hello.zip index.mjs && cd ../..
//   aws lambda create-function --endpoint-url http://127.0.0.1:9000 --function-name node-hello \
//     --runtime nodejs20.x --handler index.handler --role arn:aws:iam::000000000000:role/any \
//     --zip-file fileb://node-hello.zip
//   aws lambda invoke --endpoint-url http://127.0.0.1:9000 --function-name node-hello \
//     --cli-binary-format raw-in-base64-out --payload '{"name":"Ada"}' out.json && cat out.json
//   (aws-cli v1 has no --cli-binary-format and takes the payload as it is: drop the flag)

export const handler = async (event, context) => {
  const name = event?.queryStringParameters?.name ?? event?.name ?? "world";
  return {
    statusCode: 200,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      message: `Hello, ${name}!`,
      requestId: context.awsRequestId,
      runtime: process.env.AWS_EXECUTION_ENV,
      node: process.version,
    }),
  };
};
