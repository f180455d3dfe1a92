// Reads an InvokeWithResponseStream response with the JS SDK v3 and prints one JSON line per event as it arrives:
// {"chunk":<bytes>,"text":...} for PayloadChunk and {"complete":{...}} for InvokeComplete, then {"done":...}.
// usage: node invoke-stream.mjs <endpoint> <function> <payload-json>
import { LambdaClient, InvokeWithResponseStreamCommand } from "@aws-sdk/client-lambda";

const [endpoint, functionName, payload] = process.argv.slice(2);
const client = new LambdaClient({
  endpoint, region: "us-east-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
});
const response = await client.send(new InvokeWithResponseStreamCommand({
  FunctionName: functionName, Payload: new TextEncoder().encode(payload),
}));
for await (const event of response.EventStream) {
  if (event.PayloadChunk) {
    const bytes = event.PayloadChunk.Payload;
    console.log(JSON.stringify({ chunk: bytes.length, text: Buffer.from(bytes).toString("utf8").slice(0, 64) }));
  } else if (event.InvokeComplete) {
    console.log(JSON.stringify({ complete: event.InvokeComplete }));
  }
}
console.log(JSON.stringify({ done: { StatusCode: response.StatusCode, ExecutedVersion: response.ExecutedVersion, ResponseStreamContentType: response.ResponseStreamContentType } }));
