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

    /// <summary>The managed runtime's interpreter (node, python3), by its absolute path.</summary>
    public const string InterpreterVariable = "GATEWAY_INTERPRETER";

    public static List<string> Build(FunctionDefinition function, EnvironmentLayout layout, GatewayOptions options,
        string environmentId, string logStreamName, bool provisioned, string socketPath, string? tcpEndpoint,
        Runtimes.Interpreter? interpreter = null)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            // Unreserved defaults (a function may override these).
            ["LANG"] = "en_US.UTF-8",
            // A managed runtime's interpreter first, as AWS puts /var/lang/bin first (it finds the node/python3 the
            // catalog probed, not another one or a version manager's shim).
            ["PATH"] = (interpreter is null ? "" : interpreter.Directory + ":") + $"/usr/local/bin:/usr/bin/:/bin:{layout.OptDirectory}/bin",
            // AWS's order: the runtime's own libraries, then the function's, then the layers'.
            ["LD_LIBRARY_PATH"] = $"/lib64:/usr/lib64:{layout.RuntimeDirectory}:{layout.RuntimeDirectory}/lib:{layout.TaskRoot}:{layout.TaskRoot}/lib:{layout.OptDirectory}/lib",
            ["TZ"] = ":UTC",
            // What Lambda sets so an X-Ray SDK without a segment logs instead of throwing. (No AWS_XRAY_DAEMON_ADDRESS:
            // there is no X-Ray daemon here to name; traces go out as OTLP, Tracing/.)
            ["AWS_XRAY_CONTEXT_MISSING"] = "LOG_ERROR",
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
        variables["AWS_LAMBDA_LOG_STREAM_NAME"] = logStreamName;
        // LoggingConfig, as Lambda hands it to runtimes: the log group always; the format and the application level
        // (what a runtime's logger filters at) only in JSON format. AWS's Text-format environment has no
        // AWS_LAMBDA_LOG_FORMAT (LS-REC test_introspection_invoke), and every runtime client reads its absence as Text.
        var logging = function.Logging.Effective();
        variables["AWS_LAMBDA_LOG_GROUP_NAME"] = logging.LogGroupFor(function.Name);
        if (logging.IsJson)
        {
            variables["AWS_LAMBDA_LOG_FORMAT"] = logging.LogFormat;
        }
        if (logging.ApplicationLogLevel is { } level)
        {
            variables["AWS_LAMBDA_LOG_LEVEL"] = level;
        }
        variables["AWS_ACCESS_KEY_ID"] = options.FunctionAccessKeyId;
        variables["AWS_SECRET_ACCESS_KEY"] = options.FunctionSecretAccessKey;
        variables["AWS_SESSION_TOKEN"] = "gateway-session";
        variables["LAMBDA_TASK_ROOT"] = layout.TaskRoot;
        variables["LAMBDA_RUNTIME_DIR"] = layout.RuntimeDirectory;
        // Where the function's layers are (/opt inside a mount namespace): the runtimes' bootstraps build NODE_PATH
        // and sys.path from it, so one script works inside and outside the namespace.
        variables["GATEWAY_OPT_DIR"] = layout.OptDirectory;
        if (Runtimes.RuntimeCatalog.IsManaged(function.Runtime))
        {
            variables["AWS_EXECUTION_ENV"] = "AWS_Lambda_" + function.Runtime;
        }
        // AWS's Python images set PYTHONPATH to the runtime's folder (LS-REC test_introspection_invoke[python3.12]),
        // so a child Python the function starts finds the runtime's packages too; a function's own value wins.
        if (Runtimes.RuntimeCatalog.FamilyOf(function.Runtime) == Runtimes.RuntimeFamily.Python && !function.Environment.ContainsKey("PYTHONPATH"))
        {
            variables["PYTHONPATH"] = layout.RuntimeDirectory;
        }
        if (tcpEndpoint is not null)
        {
            variables["AWS_LAMBDA_RUNTIME_API"] = tcpEndpoint;
        }
        variables[SocketVariable] = socketPath;
        variables[EnvironmentIdVariable] = environmentId;
        if (interpreter is not null)
        {
            // The managed runtime's bootstrap starts its interpreter by this path, as AWS's starts /var/lang/bin/python3.x:
            // PATH is the function's to change ("can be extended"), and one without /usr/bin must not stop the runtime.
            variables[InterpreterVariable] = interpreter.Path;
        }

        return variables.Select(kv => kv.Key + "=" + kv.Value).ToList();
    }
}
