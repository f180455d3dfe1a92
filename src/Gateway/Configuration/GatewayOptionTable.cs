namespace Gateway.Configuration;

/// <summary>
/// Every option the gateway accepts, one row per setting. The command-line parser, the check of every other
/// configuration source and <c>--help</c> all read this table, so an option exists exactly when it has a row:
/// a misspelt one is refused instead of silently leaving the default in place. GatewayOptionTableTests fails
/// when a public settable property of <see cref="GatewayOptions"/> has no row (or a row no property).
/// </summary>
internal static class GatewayOptionTable
{
    /// <summary>Sections passed through to ASP.NET Core as they are (<c>--Logging:LogLevel:Default=Debug</c>,
    /// <c>--Kestrel:Limits:MaxRequestBodySize=…</c>); their keys belong to the framework, not to this table.</summary>
    public static readonly string[] PassThroughSections = ["Logging", "Kestrel"];

    public static readonly GatewayOption[] All =
    [
        // ---- server (the first three are ASP.NET Core's own host settings) ----
        Host("urls", "--urls", "URLS", "http://127.0.0.1:9000", "Addresses to listen on, separated by ';'."),
        Host("environment", "--environment", "NAME", "Production", "The ASP.NET Core environment; appsettings.{NAME}.json is read too."),
        Host("contentRoot", "--content-root", "DIR", "the working directory", "Where appsettings.json is read from.") with { ExistingDirectory = true },
        Row(OptionGroup.Server, nameof(GatewayOptions.DataDirectory), "--data", "DIR", typeof(string), "data",
            "Where state and logs live: logs/{function}/, run/ (sockets, pid files), tmp/, events.db."),
        Row(OptionGroup.Server, nameof(GatewayOptions.Region), "--region", "REGION", typeof(string), "us-east-1",
            "The region in ARNs, AWS_REGION and region checks."),
        Row(OptionGroup.Server, nameof(GatewayOptions.UrlDomainSuffix), "--url-domain-suffix", "DOMAIN", typeof(string), "localhost",
            "Function URLs' host names: <url-id>.lambda-url.<region>.DOMAIN (AWS: on.aws)."),
        Row(OptionGroup.Server, nameof(GatewayOptions.AccountId), "--account-id", "ID", typeof(string), "000000000000",
            "The 12-digit account id in ARNs."),
        Row(OptionGroup.Server, nameof(GatewayOptions.DrainSeconds), "--drain-seconds", "SECONDS", typeof(double), "0",
            "On SIGTERM: readiness fails, in-flight requests get this long to finish, then workers stop (0: stop at once)."),
        Row(OptionGroup.Server, nameof(GatewayOptions.InlineScheduling), "--inline-scheduling", "BOOL", typeof(bool), "true",
            "Run invokes on the socket engine's threads without thread-pool hops (Kestrel inline scheduling, inline socket completions); see docs/performance.md."),
        Row(OptionGroup.Server, nameof(GatewayOptions.SocketThreads), "--socket-threads", "N", typeof(int), "0",
            "The socket engine's event threads, which carry invokes (0: one on a machine of at most 2 processors, .NET's default elsewhere); see docs/performance.md."),
        Row(OptionGroup.Server, nameof(GatewayOptions.WorkerBatchScheduling), "--worker-batch-scheduling", "BOOL", typeof(bool), "true",
            "Start workers under SCHED_BATCH, so a woken worker does not preempt the gateway thread that woke it (fewer context switches); see docs/performance.md."),
        Row(OptionGroup.Server, nameof(GatewayOptions.RuntimeApiOverTcp), "--runtime-api-over-tcp", "BOOL", typeof(bool), "true",
            "Also serve each environment's Runtime API on a loopback TCP port (AWS_LAMBDA_RUNTIME_API), for stock runtimes."),
        Row(OptionGroup.Server, nameof(GatewayOptions.RuntimeApiServer), "--runtime-api-server", "SERVER", typeof(string), "builtin",
            "Who serves the Runtime API to workers: builtin (the hand-written HTTP/1.1 server) or kestrel (Kestrel, fed each environment's sockets); see docs/performance.md."),
        Row(OptionGroup.Server, nameof(GatewayOptions.RuntimeApiEpoll), "--runtime-api-epoll", "BOOL", typeof(bool), "false",
            "The builtin Runtime API server's sockets on one epoll event-loop thread (true: one system call fewer, more context switches per invocation) or .NET's socket engine (false); see docs/performance.md."),
        Row(OptionGroup.Server, nameof(GatewayOptions.Sandbox), "--sandbox", "MODE", typeof(string), "auto",
            "Lambda's filesystem per environment (/var/task, /opt, /var/runtime, a private /tmp): bwrap (a mount namespace each), "
            + "none (the host's folders), or auto (bwrap when it works here)."),
        Row(OptionGroup.Server, nameof(GatewayOptions.Containment), "--containment", "MODE", typeof(string), "auto",
            "A cgroup per environment (memory = MemorySize, 1024 processes/threads, CPU weight by memory): cgroup, none, "
            + "or auto (when the cgroup folders are writable here)."),
        Row(OptionGroup.Server, nameof(GatewayOptions.WorkerUid), "--worker-uid", "UID", typeof(string), "auto",
            "Workers run as a uid per function from UID (not the gateway's; the data folder closed to them): a number, none, "
            + "or auto (from 200000 when the gateway runs as root)."),
        Row(OptionGroup.Server, nameof(GatewayOptions.Https), "--https", "ADDRESS", typeof(string), "none",
            "Also serve HTTPS on ADDRESS (127.0.0.1:9443), HTTP/1.1 and HTTP/2 by ALPN; plain --urls stay HTTP/1.1. Needs --https-certificate. "
            + "An https:// address in --urls serves HTTPS too (for HTTPS only)."),
        Row(OptionGroup.Server, nameof(GatewayOptions.HttpsCertificate), "--https-certificate", "FILE", typeof(string), "none",
            "The HTTPS certificate: PEM (key in --https-certificate-key or the same file) or PKCS#12 (.pfx/.p12). scripts/make-dev-cert.sh makes one."),
        Row(OptionGroup.Server, nameof(GatewayOptions.HttpsCertificateKey), "--https-certificate-key", "FILE", typeof(string), "in the certificate file",
            "The PEM private key of --https-certificate."),
        Row(OptionGroup.Server, nameof(GatewayOptions.HttpsCertificatePassword), "--https-certificate-password", "PASSWORD", typeof(string), "none",
            "The PKCS#12 file's password, or the encrypted PEM key's."),

        Row(OptionGroup.Server, nameof(GatewayOptions.Auth), "--auth", "MODE", typeof(string), "none",
            "Request authentication: none (local use) or sigv4 (every API, URL (AWS_IAM), Logs, /metrics and /_gateway request must be SigV4-signed by a key of --credentials)."),
        Row(OptionGroup.Server, nameof(GatewayOptions.Credentials), "--credentials", "FILE", typeof(string), "none",
            "With --auth sigv4: the accepted keys, in the aws CLI's credentials format ([name] with aws_access_key_id, aws_secret_access_key, optional aws_session_token, aws_account_id)."),
        Row(OptionGroup.Server, nameof(GatewayOptions.BrowserOrigins), "--browser-origins", "LIST", typeof(string), "loopback only",
            "With --auth none: origins (https://host[:port], comma-separated, or *) whose web pages may call the API, beyond loopback ones (localhost, *.localhost, 127.0.0.0/8, [::1]) and pages under an IP host; others get 403 (with --auth sigv4 every origin may, requests being signed)."),

        // ---- functions ----
        Row(OptionGroup.Functions, nameof(GatewayOptions.Functions), "--functions", "PATH", typeof(string), "none",
            "A functions JSON file, or a folder of function folders."),
        Row(OptionGroup.Functions, nameof(GatewayOptions.RuntimesDirectory), "--runtimes-dir", "DIR", typeof(string), "runtimes/ beside the binary",
            "The Node.js and Python runtimes' files (nodejs/, python/), as scripts/publish.sh lays them out."),
        Row(OptionGroup.Functions, nameof(GatewayOptions.InitTimeoutSeconds), "--init-timeout-seconds", "SECONDS", typeof(double), "10",
            "How long an on-demand environment's init may take (AWS: 10 s); past it init goes on in the invoke phase, within the function's timeout."),
        Row(OptionGroup.Functions, nameof(GatewayOptions.ProvisionedInitTimeoutSeconds), "--provisioned-init-timeout-seconds", "SECONDS", typeof(double), "130",
            "How long a pre-forked (provisioned) environment's init may take, or the function's timeout when longer (AWS: 130 s)."),
        Row(OptionGroup.Functions, nameof(GatewayOptions.EnvironmentKeepAliveSeconds), "--environment-keep-alive-seconds", "SECONDS", typeof(double), "300",
            "How long an idle on-demand environment is kept before it is stopped (pre-forked ones stay); 0: never stopped."),
        Row(OptionGroup.Functions, nameof(GatewayOptions.FreezeIdleMilliseconds), "--freeze-idle-ms", "MS", typeof(int), "20",
            "How long an idle environment, and its function, must be quiet before the environment's processes are stopped (SIGSTOP) until its next invocation, as AWS freezes an environment between invocations: a timer or thread the function left runs only then; 0: at once; -1: never frozen."),
        Row(OptionGroup.Functions, nameof(GatewayOptions.StateSettleMilliseconds), "--state-settle-ms", "MS", typeof(int), "0",
            "How long a created function stays Pending and an updated one InProgress (AWS: up to seconds, and 409 meanwhile for an invoke of a Pending function or a second update); 0: settled before the answer."),
        Row(OptionGroup.Functions, nameof(GatewayOptions.FunctionAccessKeyId), "--function-access-key-id", "KEY", typeof(string), "gateway",
            "AWS_ACCESS_KEY_ID handed to functions (their execution role's credentials on AWS)."),
        Row(OptionGroup.Functions, nameof(GatewayOptions.FunctionSecretAccessKey), "--function-secret-access-key", "SECRET", typeof(string), "gateway",
            "AWS_SECRET_ACCESS_KEY handed to functions."),

        Row(OptionGroup.Functions, nameof(GatewayOptions.ResetApiChanges), "--reset-api-changes", "NAMES", typeof(string), "none",
            "At start, forget what the management API changed for these functions (comma-separated, or *): the functions file applies to them again."),
        Row(OptionGroup.Functions, nameof(GatewayOptions.AliasRoutingSeed), "--alias-routing-seed", "N", typeof(int?), "none (random)",
            "Seed for weighted alias routing, for a reproducible split in tests and demos."),

        // ---- admission and throttling (Lambda's concurrency and scaling limits) ----
        Row(OptionGroup.Admission, nameof(GatewayOptions.AccountConcurrencyLimit), "--account-concurrency-limit", "N", typeof(int), "1000",
            "The account's concurrency limit (AWS default 1,000)."),
        Row(OptionGroup.Admission, nameof(GatewayOptions.MinimumUnreservedConcurrency), "--minimum-unreserved-concurrency", "N", typeof(int?), "100, or the account limit when lower",
            "Concurrency that reserved concurrency may never take from the unreserved pool (AWS: 100; on an account whose limit is lower, all of it)."),
        Row(OptionGroup.Admission, nameof(GatewayOptions.BurstModel), "--burst-model", "MODEL", typeof(string), "per-function",
            "per-function (1,000 new environments per 10 s per function, since Nov 2023) or account-burst (one account-wide burst, before)."),
        Row(OptionGroup.Admission, nameof(GatewayOptions.BurstCapacity), "--burst-capacity", "N", typeof(int?), "1000 per function; the region's burst for account-burst",
            "Burst bucket capacity, in new environments."),
        Row(OptionGroup.Admission, nameof(GatewayOptions.BurstRefillPerSecond), "--burst-refill-per-second", "RATE", typeof(double?), "100 per function; 500/60 for account-burst",
            "Burst bucket refill, in new environments per second."),
        Row(OptionGroup.Admission, nameof(GatewayOptions.RequestRateMultiplier), "--request-rate-multiplier", "N", typeof(int), "10",
            "Requests per second allowed per unit of concurrency (AWS: 10)."),
        Row(OptionGroup.Admission, nameof(GatewayOptions.ThrottleRetryAfter), "--throttle-retry-after", "BOOL", typeof(bool), "true",
            "Whether a 429 carries Retry-After (the JS SDK v3 waits for it; botocore shows it as retryAfterSeconds). AWS's recorded reserved-concurrency throttles carry none: false answers as they do."),

        // ---- async (Event) invocations ----
        Row(OptionGroup.Async, nameof(GatewayOptions.EventStorePath), "--event-store-path", "FILE", typeof(string), "{DataDirectory}/events.db",
            "The durable Event queue's SQLite file."),
        Row(OptionGroup.Async, nameof(GatewayOptions.AsyncEventsInMemory), "--async-events-in-memory", "N", typeof(int), "1024",
            "Events per function held in memory, ready to run; the rest wait on disk, so a flood cannot exhaust memory."),
        Row(OptionGroup.Async, nameof(GatewayOptions.AsyncClockRate), "--async-clock-rate", "RATE", typeof(double), "1",
            "Tests and demos only: how much faster than real time the async clock runs (retry waits, event ages)."),

        // ---- cluster (several nodes on Redis) ----
        Row(OptionGroup.Cluster, nameof(GatewayOptions.Cluster), "--cluster", "URL", typeof(string), "none (one node)",
            "Join a cluster of gateway nodes on Redis (redis://127.0.0.1:6379): cluster-wide limits, a shared Event queue and registry."),
        Row(OptionGroup.Cluster, nameof(GatewayOptions.NodeId), "--node-id", "ID", typeof(string), "the host name",
            "This node's name in the cluster (unique per node)."),
        Row(OptionGroup.Cluster, nameof(GatewayOptions.ClusterNodes), "--cluster-nodes", "N", typeof(int), "1",
            "Nodes the cluster is configured with: while Redis is unreachable each node admits limit ÷ N."),
        Row(OptionGroup.Cluster, nameof(GatewayOptions.ClusterEventIdleReclaimSeconds), "--cluster-event-idle-reclaim", "SECONDS", typeof(int), "300",
            "Backstop: an in-flight Event its node stopped touching this long goes back to the shared queue (a dead node's go back as soon as its lease lapses)."),

        // ---- limits ----
        Row(OptionGroup.Limits, nameof(GatewayOptions.SyncPayloadLimit), "--sync-payload-limit", "BYTES", typeof(int), "6291456",
            "RequestResponse request payload limit (6 MB, as on AWS)."),
        Row(OptionGroup.Limits, nameof(GatewayOptions.AsyncPayloadLimit), "--async-payload-limit", "BYTES", typeof(int), "262144",
            "Event request payload limit (AWS raised it to 1048576 in late 2025)."),
        Row(OptionGroup.Limits, nameof(GatewayOptions.ResponsePayloadLimit), "--response-payload-limit", "BYTES", typeof(int), "6291556",
            "Largest function response (6 MB + 100 bytes, as AWS enforces it)."),
        Row(OptionGroup.Limits, nameof(GatewayOptions.StreamResponseLimit), "--stream-response-limit", "BYTES", typeof(long), "209715200",
            "Largest streamed response (200 MB, AWS's documented limit; it was 20 MB before 2025)."),
        Row(OptionGroup.Limits, nameof(GatewayOptions.StreamUncappedBytes), "--stream-uncapped-bytes", "BYTES", typeof(long), "6291456",
            "Bytes of a streamed response sent uncapped before the bandwidth cap applies (AWS: the first 6 MB)."),
        Row(OptionGroup.Limits, nameof(GatewayOptions.StreamBytesPerSecond), "--stream-bytes-per-second", "BYTES", typeof(long), "2097152",
            "Bandwidth cap on a streamed response after its uncapped part (AWS: 2 MBps); 0 for none."),
        Row(OptionGroup.Limits, nameof(GatewayOptions.RequestBodyBufferBytes), "--request-body-buffer-bytes", "BYTES", typeof(long), "33554432",
            "Invoke bodies held in memory at once, across requests; beyond it bodies wait unread. At least the largest payload limit."),
        Row(OptionGroup.Limits, nameof(GatewayOptions.MaxEnvironments), "--max-environments", "N", typeof(int?), "physical memory ÷ 64 MB (at least 16)",
            "Machine-wide cap on live execution environments across all functions, a safety limit of this machine (not a Lambda limit); "
            + "beyond it a new environment is refused with 429 TooManyRequestsException, Reason GatewayEnvironmentLimitExceeded."),

        // ---- function logs ----
        Row(OptionGroup.Diagnostics, nameof(GatewayOptions.LogRetentionDays), "--log-retention-days", "DAYS", typeof(double), "30",
            "Remove function log streams whose last line is older than this (0: never by age); a log group's PutRetentionPolicy applies when shorter. Open streams are kept."),
        Row(OptionGroup.Diagnostics, nameof(GatewayOptions.LogMaxMegabytes), "--log-max-megabytes", "MB", typeof(double), "1024",
            "Cap on all function log streams together: beyond it the least recently written are removed (0: no cap). Open streams are kept."),

        // ---- diagnostics ----
        Row(OptionGroup.Diagnostics, nameof(GatewayOptions.EchoFunctionLogs), "--echo-function-logs", "BOOL", typeof(bool), "true",
            "Echo every function log line to the console, prefixed with the function's name; --quiet turns it off.",
            new OptionSwitch("--quiet", Negated: true)),
        Row(OptionGroup.Diagnostics, nameof(GatewayOptions.OtlpEndpoint), "--otlp-endpoint", "URL", typeof(string), "OTEL_EXPORTER_OTLP_ENDPOINT, else off",
            "Export a span per invocation over OTLP http/protobuf to URL (/v1/traces is appended), e.g. http://127.0.0.1:4318."),
    ];

    private static GatewayOption Row(OptionGroup group, string property, string name, string valueName, Type type, string @default, string help, params OptionSwitch[] more)
        => new(group, GatewayOption.SectionPrefix + property, [new OptionSwitch(name), .. more], valueName, type, @default, help);

    private static GatewayOption Host(string key, string name, string valueName, string @default, string help)
        => new(OptionGroup.Server, key, [new OptionSwitch(name)], valueName, typeof(string), @default, help);
}
