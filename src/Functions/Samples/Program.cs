using Gateway.Runtime;
using Gateway.Samples;

// `_HANDLER` picks the sample (see HandlerRegistry); init errors go to /init/error and exit 1.
return await LambdaRuntime.RunAsync(HandlerRegistry.FromEnvironment);
