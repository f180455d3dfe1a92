namespace Gateway;

/// <summary>
/// Gateway-wide settings, bound from the "Gateway" configuration section (appsettings.json, environment
/// variables such as <c>Gateway__Region</c>, or the command line: <c>--data</c>, <c>--Gateway:Region=…</c>).
/// Every public settable property needs its row in Configuration/GatewayOptionTable.cs (a unit test checks):
/// the table is what the command line, the configuration check and <c>--help</c> know.
/// </summary>
internal sealed class GatewayOptions
{
    /// <summary>The region in ARNs, AWS_REGION and "not reachable in this region" checks.</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>The 12-digit account id in ARNs.</summary>
    public string AccountId { get; set; } = "000000000000";

    /// <summary>Where state and logs live: <c>logs/{function}/</c>, <c>run/</c> (sockets, pid files), <c>tmp/</c>.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>Function URLs' domain after the region: <c>&lt;url-id&gt;.lambda-url.&lt;region&gt;.&lt;suffix&gt;</c>
    /// (AWS: <c>on.aws</c>; <c>localhost</c> resolves to loopback with no DNS set-up).</summary>
    public string UrlDomainSuffix { get; set; } = "localhost";

    /// <summary>A functions JSON file, or a folder of function folders. Empty: no functions.</summary>
    public string Functions { get; set; } = "";

    /// <summary>The folder holding the managed runtimes' files (<c>nodejs/</c>, <c>python/</c>). Null: <c>runtimes/</c>
    /// beside the gateway's executable, where scripts/publish.sh puts them.</summary>
    public string? RuntimesDirectory { get; set; }

    /// <summary>Run the invoke path on the socket engine's event threads, without thread-pool hops: Kestrel's
    /// UnsafePreferInlineScheduling, socket completions inline (DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS), the
    /// caller answered on the thread that read the runtime's answer, a parked /next resumed by its delivery. Requests
    /// other than invokes move to the thread pool first (Hosting/OffTheIoThread.cs). On by default since issue 15
    /// measured it (docs/performance.md); false gives the thread-pool scheduling of before.</summary>
    public bool InlineScheduling { get; set; } = true;

    /// <summary>The socket engine's event threads (DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT, unless that variable is given):
    /// with inline scheduling they carry every invocation. 0 (the default): one on a machine of at most 2 processors,
    /// where the gateway shares its cores with its workers and two event threads contend for the sockets (more
    /// system calls, spin-yields and wake-ups per invocation), .NET's own choice elsewhere. Issue 15, wave 6:
    /// docs/performance.md.</summary>
    public int SocketThreads { get; set; }

    /// <summary>Start workers under the kernel's SCHED_BATCH policy (set on the spawner threads, inherited by every worker
    /// and the processes it starts): a worker woken by its next event does not preempt the gateway thread that woke it,
    /// which goes on with the other ready sockets instead of being switched out (issue 15: involuntary context switches
    /// per invocation −30–45 %; docs/performance.md). A batch task still gets a
    /// free core at once; on a busy core it runs when the waker blocks or its slice ends. False: the default policy.</summary>
    public bool WorkerBatchScheduling { get; set; } = true;

    /// <summary>An address to serve HTTPS on besides --urls (<c>127.0.0.1:9443</c> or <c>https://127.0.0.1:9443</c>), with
    /// HTTP/1.1 and HTTP/2 negotiated by ALPN. Null: none (an https:// address in --urls also serves HTTPS).</summary>
    public string? Https { get; set; }

    /// <summary>The HTTPS server certificate: a PEM file (its key in <see cref="HttpsCertificateKey"/> or in the same
    /// file) or a PKCS#12 (.pfx/.p12) file.</summary>
    public string? HttpsCertificate { get; set; }

    /// <summary>The PEM private key of <see cref="HttpsCertificate"/>, when it is in a file of its own.</summary>
    public string? HttpsCertificateKey { get; set; }

    /// <summary>The PKCS#12 file's password, or the encrypted PEM key's.</summary>
    public string? HttpsCertificatePassword { get; set; }

    /// <summary>Request authentication: <c>none</c> (the default, for local use) or <c>sigv4</c> (every request
    /// verified against <see cref="Credentials"/>, as AWS verifies SigV4; Security/Signing/).</summary>
    public string Auth { get; set; } = "none";

    /// <summary>With <c>--auth sigv4</c>: the accepted keys, in the aws CLI's credentials file format.</summary>
    public string? Credentials { get; set; }

    /// <summary>Origins (comma-separated <c>https://host[:port]</c>, or <c>*</c>) whose web pages may call the API
    /// with <c>--auth none</c>, beyond loopback ones (Security/BrowserRequests.cs).</summary>
    public string? BrowserOrigins { get; set; }

    /// <summary>Synchronous (RequestResponse) request payload limit: 6 MB, as on AWS.</summary>
    public int SyncPayloadLimit { get; set; } = 6 * 1024 * 1024;

    /// <summary>Asynchronous (Event) request payload limit. 256 KB was AWS's limit until late 2025, when it
    /// was raised to 1 MB; set 1048576 to match the new limit.</summary>
    public int AsyncPayloadLimit { get; set; } = 256 * 1024;

    /// <summary>Largest function response: 6 MB + 100 bytes, as AWS (and its emulator) enforce it.</summary>
    public int ResponsePayloadLimit { get; set; } = 6 * 1024 * 1024 + 100;

    /// <summary>Largest streamed response (InvokeWithResponseStream, RESPONSE_STREAM URLs): 200 MB, AWS's documented
    /// limit since 2025 (it was 20 MB before).</summary>
    public long StreamResponseLimit { get; set; } = 200L * 1024 * 1024;

    /// <summary>Bytes of a streamed response sent at full speed before the bandwidth cap applies (AWS: the first 6 MB).</summary>
    public long StreamUncappedBytes { get; set; } = 6L * 1024 * 1024;

    /// <summary>Bandwidth cap on the rest of a streamed response, bytes per second (AWS: 2 MBps); 0 for none.</summary>
    public long StreamBytesPerSecond { get; set; } = 2L * 1024 * 1024;

    /// <summary>How long an on-demand environment's init may take before it goes on in the invoke phase, within the
    /// function's timeout (AWS: 10 s).</summary>
    public double InitTimeoutSeconds { get; set; } = 10;

    /// <summary>How long a pre-forked (provisioned) environment's init may take; the function's timeout when that is
    /// longer (AWS: "130 seconds or the configured function timeout (maximum 900 seconds), whichever is higher").</summary>
    public double ProvisionedInitTimeoutSeconds { get; set; } = 130;

    /// <summary>Echo every function log line to the gateway's console (prefixed with the function name).</summary>
    public bool EchoFunctionLogs { get; set; } = true;

    /// <summary>OTLP http/protobuf endpoint for invocation traces (e.g. http://127.0.0.1:4318); null: the standard
    /// OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT, and with none of them tracing is off (Tracing/OtlpTracing.cs).</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>Also serve each environment's Runtime API on a loopback TCP port (AWS_LAMBDA_RUNTIME_API), for
    /// stock runtimes that only speak TCP. The Unix socket (GATEWAY_RUNTIME_API_SOCKET) is always served.</summary>
    public bool RuntimeApiOverTcp { get; set; } = true;

    /// <summary>Who serves the Runtime API on each environment's sockets: <c>builtin</c> (the hand-written HTTP/1.1
    /// server, RuntimeApi/RuntimeApiConnection.cs) or <c>kestrel</c> (one Kestrel server fed the sockets the environments
    /// accept, RuntimeApi/Kestrel/). Issue 15's A/B: docs/performance.md, loadtests/runtime-api-ab.sh.</summary>
    public string RuntimeApiServer { get; set; } = "builtin";

    /// <summary>The builtin Runtime API server's I/O: one event-loop thread owning every runtime socket through epoll
    /// (true), or .NET's socket engine (false, the default: the loop saves ~0.7 system calls per invocation but adds ~0.6
    /// context switches, and measured no CPU gain). Issue 15: docs/performance.md, RuntimeApi/RuntimeEventLoop.cs.</summary>
    public bool RuntimeApiEpoll { get; set; }

    /// <summary>Lambda's filesystem per environment: <c>auto</c> (a mount namespace through bubblewrap when it works
    /// here, else the host's folders), <c>bwrap</c> (a namespace or refuse to start), <c>none</c> (the host's folders).</summary>
    public string Sandbox { get; set; } = "auto";

    /// <summary>A cgroup per environment (memory = MemorySize, 1,024 processes/threads, CPU weight ∝ memory): <c>auto</c>
    /// (when the cgroup folders are writable here), <c>cgroup</c> (or refuse to start), <c>none</c>.</summary>
    public string Containment { get; set; } = "auto";

    /// <summary>The user workers run as: <c>auto</c> (a uid per function from 200000 when the gateway is root and the data
    /// folder is reachable by other users), <c>none</c> (the gateway's own), or the first uid of the range.</summary>
    public string WorkerUid { get; set; } = "auto";

    /// <summary>How long an idle on-demand environment is kept before it is stopped (pre-forked ones are kept).
    /// Lambda keeps idle environments for minutes; 0 disables scale-down.</summary>
    public double EnvironmentKeepAliveSeconds { get; set; } = 300;

    /// <summary>How long an idle environment (its runtime in /next, its extensions in /event/next), and its function (no
    /// invocation given to any of its environments), must be quiet before its processes are stopped until its next
    /// invocation, as AWS freezes it; 0: at once; negative: never frozen.</summary>
    public int FreezeIdleMilliseconds { get; set; } = 20;

    /// <summary>How long a created function stays Pending, and an updated one InProgress, before it is Active and
    /// Successful. AWS takes from a fraction of a second to minutes, and meanwhile refuses an invoke of a Pending
    /// function and a second update with 409; 0 (the default) settles them before the write's answer returns, so a
    /// script that forgets <c>aws lambda wait function-updated-v2</c> only fails on AWS.</summary>
    public int StateSettleMilliseconds { get; set; }

    /// <summary>On SIGTERM: 0 stops at once (in-flight invocations end with Runtime.ExitError). More: readiness
    /// (/_gateway/ready) answers 503, no new connection is accepted, and requests in flight get up to this many
    /// seconds to finish before the workers are stopped (Program.cs, Hosting/Probes/HealthProbes.cs).</summary>
    public double DrainSeconds { get; set; }

    // ---- admission (Lambda's concurrency and scaling limits; see Admission/AdmissionController.cs) ----

    /// <summary>Whether a 429 carries <c>Retry-After</c> (its seconds from the bucket that refused). AWS's API documents
    /// the header (TooManyRequestsException's <c>retryAfterSeconds</c>), but its recorded reserved-concurrency throttles
    /// carry none, and the JS SDK v3 waits for it when it is there: false answers as those recordings do.</summary>
    public bool ThrottleRetryAfter { get; set; } = true;

    /// <summary>The account's concurrency limit (AWS default 1,000).</summary>
    public int AccountConcurrencyLimit { get; set; } = Admission.AdmissionOptions.DefaultAccountConcurrencyLimit;

    /// <summary>Concurrency that reserved concurrency may never take from the unreserved pool; unset: AWS's 100, or the
    /// account limit when that is lower (AWS's new accounts with a limit of 10 or 50 answer "below its minimum value of
    /// [10]" / "[50]").</summary>
    public int? MinimumUnreservedConcurrency { get; set; }

    public int EffectiveMinimumUnreservedConcurrency =>
        MinimumUnreservedConcurrency ?? Math.Min(Admission.AdmissionOptions.DefaultMinimumUnreservedConcurrency, AccountConcurrencyLimit);

    /// <summary><c>per-function</c> (since Nov 2023: 1,000 new environments per 10 s per function) or
    /// <c>account-burst</c> (before: one account-wide burst of 500/1,000/3,000 by region, then +500 per minute).</summary>
    public string BurstModel { get; set; } = "per-function";

    /// <summary>Burst bucket capacity (new environments); default 1,000 per function, or the region's account burst.</summary>
    public int? BurstCapacity { get; set; }

    /// <summary>Burst bucket refill, environments per second; default 100 (per function) or 500/60 (account burst).</summary>
    public double? BurstRefillPerSecond { get; set; }

    /// <summary>Machine-wide cap on live execution environments across all functions, a safety limit of this machine
    /// (not a Lambda limit); default: physical memory ÷ 64 MB (at least 16). Beyond it a new environment is refused with
    /// 429 TooManyRequestsException, Reason GatewayEnvironmentLimitExceeded.</summary>
    public int? MaxEnvironments { get; set; }

    /// <summary>Seed for weighted alias routing (tests and reproducible demos); unset: a new random sequence.</summary>
    public int? AliasRoutingSeed { get; set; }

    /// <summary>At start, forget what the management API changed for these functions (comma-separated names, or *), so
    /// the functions file applies again.</summary>
    public string? ResetApiChanges { get; set; }

    /// <summary>Requests per second allowed per unit of concurrency (AWS: 10).</summary>
    public int RequestRateMultiplier { get; set; } = 10;

    public Admission.AdmissionOptions ToAdmissionOptions()
    {
        var model = BurstModel.Replace("-", "", StringComparison.Ordinal).Equals("accountburst", StringComparison.OrdinalIgnoreCase)
            ? Admission.BurstModel.AccountBurst
            : BurstModel.Replace("-", "", StringComparison.Ordinal).Equals("perfunction", StringComparison.OrdinalIgnoreCase)
                ? Admission.BurstModel.PerFunction
                : throw new InvalidOperationException($"Gateway:BurstModel must be per-function or account-burst, not '{BurstModel}'.");
        return new Admission.AdmissionOptions
        {
            AccountConcurrencyLimit = AccountConcurrencyLimit,
            MinimumUnreservedConcurrency = EffectiveMinimumUnreservedConcurrency,
            BurstModel = model,
            BurstCapacity = BurstCapacity ?? (model == Admission.BurstModel.AccountBurst ? Admission.AdmissionOptions.AccountBurstCapacityFor(Region) : null),
            BurstRefillPerSecond = BurstRefillPerSecond,
            RequestRateMultiplier = RequestRateMultiplier,
        };
    }

    /// <summary>Function log streams whose last line is older than this many days are removed (0: kept by age). A log
    /// group's PutRetentionPolicy applies when shorter.</summary>
    public double LogRetentionDays { get; set; } = 30;

    /// <summary>All function log streams together are kept under this many MB, least recently written removed first (0: no cap).</summary>
    public double LogMaxMegabytes { get; set; } = 1024;

    /// <summary>Credentials handed to functions as AWS_ACCESS_KEY_ID etc. (their execution role on AWS).</summary>
    public string FunctionAccessKeyId { get; set; } = "gateway";

    public string FunctionSecretAccessKey { get; set; } = "gateway";

    /// <summary>The durable Event queue's SQLite file; default <c>{DataDirectory}/events.db</c>.</summary>
    public string? EventStorePath { get; set; }

    /// <summary>Events per function held in memory, ready to run; beyond it they wait on disk only (and are claimed
    /// as the queue drains), so a flood cannot exhaust memory.</summary>
    public int AsyncEventsInMemory { get; set; } = 1024;

    /// <summary>
    /// Invoke-request body bytes the gateway holds in memory at once, across all requests (bodies being read and
    /// synchronous invocations in flight); at least the larger payload limit. When they are spent, further bodies
    /// wait unread (TCP back-pressure) instead of being buffered. Also the most the payload segment pool keeps for
    /// reuse. 32 MiB: five 6 MB bodies, or half a million 64-byte ones.
    /// </summary>
    public long RequestBodyBufferBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>
    /// For tests and demos only: how much faster than real time the async clock runs (retry delays, event ages,
    /// throttle backoff, destination retries). 1000 makes AWS's one-minute retry wait 60 ms.
    /// </summary>
    public double AsyncClockRate { get; set; } = 1;

    /// <summary>Join a cluster of gateway nodes on Redis (<c>redis://host:port</c>); null runs one node on its own
    /// (nothing of Gateway.Cluster is built then). README, "Several nodes on Redis".</summary>
    public string? Cluster { get; set; }

    /// <summary>This node's name in the cluster; default the host name. Unique per node.</summary>
    public string? NodeId { get; set; }

    /// <summary>How many nodes the cluster is configured with: the static share (limit ÷ nodes) each node admits
    /// while Redis is unreachable.</summary>
    public int ClusterNodes { get; set; } = 1;

    /// <summary>Cluster Event queue backstop: an in-flight event its node has not touched for this many seconds goes
    /// back to the shared queue even if the node's lease still exists (live nodes touch theirs every fifth of it).</summary>
    public int ClusterEventIdleReclaimSeconds { get; set; } = 300;
}
