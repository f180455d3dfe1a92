using Gateway.Runtime;
using Gateway.Samples;
using Gateway.Samples.Handlers;

// `_HANDLER` picks the sample (see HandlerRegistry); init errors go to /init/error and exit 1. The streaming sample
// runs the streaming loop (response streaming: a chunked post per invocation).
if (Environment.GetEnvironmentVariable(HandlerRegistry.HandlerVariable) == StreamHandler.Name)
{
    return await LambdaRuntime.RunStreamingAsync(StreamHandler.Invoke);
}
return await LambdaRuntime.RunAsync(HandlerRegistry.FromEnvironment);
