using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using Gateway.Security.Signing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Benchmarks;

/// <summary>
/// <c>--auth sigv4</c>'s work on a 64 B invoke as botocore signs it (content-type, host, x-amz-date,
/// x-amz-invocation-type signed): <see cref="RequestSigning.VerifyAsync"/> (parse, scope, key lookup, canonical request,
/// cached signing key) plus reading the body through the hashing reader, which finishes the signature at the body's
/// end. The baseline reads the same body from the same kind of context without verification, so the difference is
/// what verification adds; <see cref="SignedUnverified"/> reads the signed request's body without verifying it, so
/// Verify − SignedUnverified is verification alone (the header bytes an SDK sends either way left out).
/// <see cref="DeriveSigningKey"/> is a signing-key cache miss (once a day per key and service).
/// Each operation ends the request as Kestrel does, running the response's OnCompleted callbacks (both rows): that is
/// where the pooled hashing reader goes back to its pool, so its reuse is measured rather than a new one per request.
/// </summary>
[MemoryDiagnoser]
[GcServer(false)]
[GcConcurrent(false)]
public class SigV4VerificationBenchmarks
{
    private const string Path = "/2015-03-31/functions/echo/invocations";
    private readonly byte[] _body = Encoding.UTF8.GetBytes("{\"payload\":\"" + new string('x', 64 - 14) + "\"}");
    private RequestSigning _signing = null!;
    private string _authorization = null!;
    private string _amzDate = null!;
    private readonly byte[] _secret = Encoding.UTF8.GetBytes("AWS4secret");
    private readonly CompletingResponseFeature _response = new();

    [GlobalSetup]
    public void Setup()
    {
        var now = DateTimeOffset.UtcNow;
        _amzDate = now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        string date = _amzDate[..8];
        const string signedHeaders = "content-type;host;x-amz-date;x-amz-invocation-type";
        string canonical = $"POST\n{Path}\n\ncontent-type:application/json\nhost:127.0.0.1:9000\nx-amz-date:{_amzDate}\nx-amz-invocation-type:RequestResponse\n\n{signedHeaders}\n{Convert.ToHexStringLower(SHA256.HashData(_body))}";
        string scope = $"{date}/us-east-1/lambda/aws4_request";
        string stringToSign = $"AWS4-HMAC-SHA256\n{_amzDate}\n{scope}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
        var key = SigningKeyCache.Derive(Encoding.UTF8.GetBytes("AWS4secret"), date, "us-east-1", "lambda");
        _authorization = $"AWS4-HMAC-SHA256 Credential=AKIABENCH/{scope}, SignedHeaders={signedHeaders}, Signature={Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)))}";
        var credentials = CredentialsFile.Parse("[bench]\naws_access_key_id=AKIABENCH\naws_secret_access_key=secret\n", "000000000000");
        _signing = new RequestSigning(new SigV4Verifier(credentials, "us-east-1", TimeProvider.System));
        if (Verify().GetAwaiter().GetResult() != 1)
        {
            throw new InvalidOperationException("the benchmark's request does not verify");
        }
    }

    private DefaultHttpContext Context(bool signed)
    {
        var context = new DefaultHttpContext();
        context.Features.Set<IHttpResponseFeature>(_response);
        var request = context.Request;
        request.Method = "POST";
        request.Path = Path;
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = Path;
        request.Headers.Host = "127.0.0.1:9000";
        request.ContentType = "application/json";
        request.Headers["X-Amz-Invocation-Type"] = "RequestResponse";
        if (signed)
        {
            request.Headers["X-Amz-Date"] = _amzDate;
            request.Headers.Authorization = _authorization;
        }
        request.ContentLength = _body.Length;
        request.Body = new MemoryStream(_body, writable: false);
        return context;
    }

    [Benchmark(Baseline = true)]
    public async Task<int> Unsigned()
    {
        var context = Context(signed: false);
        await Drain(context.Request.BodyReader);
        await _response.CompleteAsync();
        return 1;
    }

    /// <summary>The signed request (Authorization, X-Amz-Date) read without verification: what a gateway without
    /// <c>--auth</c> does with an SDK's request. Verify − this is verification alone; this − Unsigned is the headers.</summary>
    [Benchmark]
    public async Task<int> SignedUnverified()
    {
        var context = Context(signed: true);
        await Drain(context.Request.BodyReader);
        await _response.CompleteAsync();
        return 1;
    }

    [Benchmark]
    public async Task<int> Verify()
    {
        var context = Context(signed: true);
        if (await _signing.VerifyAsync(context, "lambda", RefusalShape.Lambda) is null)
        {
            await _response.CompleteAsync();
            return 0;
        }
        await Drain(context.Request.BodyReader);
        await _response.CompleteAsync();
        return 1;
    }

    /// <summary><see cref="SignedUnverified"/> with the body already all in a pipe, as Kestrel holds a small body that
    /// came with its headers (not a [Benchmark] row: for <c>--sigv4-cpu-time</c>, SigV4CpuTime.cs).</summary>
    public async Task<int> SignedUnverifiedBuffered()
    {
        var context = BufferedContext();
        await Drain(context.Request.BodyReader);
        await _response.CompleteAsync();
        _pipe.Reader.Complete();
        _pipe.Reset();
        return 1;
    }

    /// <summary><see cref="Verify"/> with the body already all in a pipe: the body is decided before the endpoint reads
    /// it (<c>BufferedBody</c>) when the build has that, else through the hashing reader as with a stream.</summary>
    public async Task<int> VerifyBuffered()
    {
        var context = BufferedContext();
        int verified = await _signing.VerifyAsync(context, "lambda", RefusalShape.Lambda) is null ? 0 : 1;
        if (verified == 1)
        {
            await Drain(context.Request.BodyReader);
        }
        await _response.CompleteAsync();
        _pipe.Reader.Complete();
        _pipe.Reset();
        return verified;
    }

    /// <summary>One pipe reused by every buffered operation: the body written and the writer completed; reset after.</summary>
    private readonly System.IO.Pipelines.Pipe _pipe = new();

    private BodyPipeFeature? _bodyFeature;

    private DefaultHttpContext BufferedContext()
    {
        var context = Context(signed: true);
        _pipe.Writer.Write(_body);
        var flushed = _pipe.Writer.FlushAsync(); // 64 B, far under the pipe's pause threshold: completes at once
        if (!flushed.IsCompletedSuccessfully)
        {
            throw new InvalidOperationException("the body's pipe did not take 64 B at once");
        }
        _pipe.Writer.Complete();
        context.Features.Set<IRequestBodyPipeFeature>(_bodyFeature ??= new BodyPipeFeature(_pipe.Reader));
        return context;
    }

    private sealed class BodyPipeFeature(System.IO.Pipelines.PipeReader reader) : IRequestBodyPipeFeature
    {
        public System.IO.Pipelines.PipeReader Reader => reader;
    }

    [Benchmark]
    public byte[] DeriveSigningKey() => SigningKeyCache.Derive(_secret, "20261205", "us-east-1", "lambda");

    private static async Task Drain(System.IO.Pipelines.PipeReader reader)
    {
        while (true)
        {
            var result = await reader.ReadAsync();
            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return;
            }
        }
    }

    /// <summary>The response's OnCompleted callbacks run at the request's end, as Kestrel runs them (DefaultHttpContext's
    /// own feature drops them). One instance reused by every operation.</summary>
    private sealed class CompletingResponseFeature : HttpResponseFeature
    {
        private readonly List<KeyValuePair<Func<object, Task>, object>> _onCompleted = new(4);

        public override void OnCompleted(Func<object, Task> callback, object state) => _onCompleted.Add(new(callback, state));

        public async Task CompleteAsync()
        {
            for (int i = _onCompleted.Count - 1; i >= 0; i--)
            {
                await _onCompleted[i].Key(_onCompleted[i].Value);
            }
            _onCompleted.Clear();
        }
    }
}
