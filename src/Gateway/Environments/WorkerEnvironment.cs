using Gateway.Functions;

namespace Gateway.Environments;

/// <summary>
/// The complete environment of a worker process, as Lambda defines it for a custom runtime (the "Defined
/// runtime environment variables" of the developer guide), followed by the function's own variables.
/// Nothing is inherited from the gateway's own environment.
/// </summary>
internal static class WorkerEnvironment
{
    /// <summary>Set by the gateway so its own C# runtime client can take the Unix-socket fast path.</summary>
    public const string SocketVariable = "GATEWAY_RUNTIME_API_SOCKET";

    /// <summary>Identifies the environment a process belongs to (also used to find leftovers after a crash).</summary>
    public const string EnvironmentIdVariable = "GATEWAY_ENVIRONMENT_ID";

    public static List<string> Build(FunctionDefinition function, EnvironmentLayout layout, GatewayOptions options,
        string environmentId, string logStreamName, bool provisioned, string socketPath, string? tcpEndpoint)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            // Unreserved defaults (a function may override these).
            ["LANG"] = "en_US.UTF-8",
            ["PATH"] = $"/usr/local/bin:/usr/bin/:/bin:{layout.OptDirectory}/bin",
            ["LD_LIBRARY_PATH"] = $"/lib64:/usr/lib64:{layout.TaskRoot}:{layout.TaskRoot}/lib:{layout.OptDirectory}/lib",
            ["TZ"] = ":UTC",
            ["TMPDIR"] = layout.TmpDirectory,
        };
        foreach (var (key, value) in function.Environment)
        {
            variables[key] = value;
        }

        // Reserved: the platform's, set last so nothing overrides them.
        variables["_HANDLER"] = function.Handler;
        variables["AWS_REGION"] = options.Region;
        variables["AWS_DEFAULT_REGION"] = options.Region;
        variables["AWS_LAMBDA_FUNCTION_NAME"] = function.Name;
        variables["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = function.MemorySizeMb.ToString(System.Globalization.CultureInfo.InvariantCulture);
        variables["AWS_LAMBDA_FUNCTION_VERSION"] = function.Version;
        variables["AWS_LAMBDA_INITIALIZATION_TYPE"] = provisioned ? "provisioned-concurrency" : "on-demand";
        variables["AWS_LAMBDA_LOG_GROUP_NAME"] = "/aws/lambda/" + function.Name;
        variables["AWS_LAMBDA_LOG_STREAM_NAME"] = logStreamName;
        variables["AWS_ACCESS_KEY_ID"] = options.FunctionAccessKeyId;
        variables["AWS_SECRET_ACCESS_KEY"] = options.FunctionSecretAccessKey;
        variables["AWS_SESSION_TOKEN"] = "gateway-session";
        variables["LAMBDA_TASK_ROOT"] = layout.TaskRoot;
        variables["LAMBDA_RUNTIME_DIR"] = layout.RuntimeDirectory;
        // Where /opt is (itself inside a mount namespace): runtimes find layers through it outside one.
        variables["GATEWAY_OPT_DIR"] = layout.OptDirectory;
        if (tcpEndpoint is not null)
        {
            variables["AWS_LAMBDA_RUNTIME_API"] = tcpEndpoint;
        }
        variables[SocketVariable] = socketPath;
        variables[EnvironmentIdVariable] = environmentId;

        return variables.Select(kv => kv.Key + "=" + kv.Value).ToList();
    }
}
