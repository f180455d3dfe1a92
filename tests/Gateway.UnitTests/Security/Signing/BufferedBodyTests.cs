using System.Buffers;
using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text;
using Gateway.Security.Signing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.UnitTests.Security.Signing;

/// <summary>
/// A small body already all in the server's buffer is decided before the endpoint runs (<see cref="BufferedBody"/>):
/// a match hands the endpoint the server's own reader, with nothing wrapped and nothing registered for the request's
/// end; everything else goes to the hashing reader as before, so every answer (status, error type, body, and whether
/// the refusal waits for the endpoint's read) is the same as when the body streams in.
/// </summary>
public sealed class BufferedBodyTests
{
    private static readonly SuiteCase Post = SuiteCase.Load("post-x-www-form-urlencoded");

    private sealed class RecordingResponseFeature : HttpResponseFeature
    {
        public List<KeyValuePair<Func<object, Task>, object>> OnCompletedCallbacks { get; } = [];

        public override void OnCompleted(Func<object, Task> callback, object state) => OnCompletedCallbacks.Add(new(callback, state));

        public async Task CompleteAsync()
        {
            for (int i = OnCompletedCallbacks.Count - 1; i >= 0; i--)
            {
                await OnCompletedCallbacks[i].Key(OnCompletedCallbacks[i].Value);
            }
            OnCompletedCallbacks.Clear();
        }
    }

    private sealed class BodyPipe(PipeReader reader) : IRequestBodyPipeFeature
    {
        public PipeReader Reader => reader;
    }

    /// <summary>The suite's Authorization header with its signature's last digit changed.</summary>
    private static string WrongSignature()
    {
        string authorization = SuiteCase.ToContext(Post.File("header-signed-request.txt")).Request.Headers.Authorization.ToString();
        return authorization[..^1] + (authorization[^1] == '0' ? '1' : '0');
    }

    /// <summary>An invoke signed as botocore signs it (content-type, host, x-amz-date; no x-amz-content-sha256, so the
    /// body's hash completes the signature) with the suite case's key, region, service and time.</summary>
    internal static string SignedInvoke(byte[] body)
    {
        string amzDate = Post.Time.UtcDateTime.ToString(AmzDates.Format, System.Globalization.CultureInfo.InvariantCulture);
        const string path = "/2015-03-31/functions/echo/invocations", signedHeaders = "content-type;host;x-amz-date";
        string canonical = $"POST\n{path}\n\ncontent-type:application/json\nhost:example.amazonaws.com\nx-amz-date:{amzDate}\n\n{signedHeaders}\n{Convert.ToHexStringLower(SHA256.HashData(body))}";
        string date = amzDate.Substring(0, 8);
        string scope = $"{date}/{Post.Region}/{Post.Service}/aws4_request";
        string stringToSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
        var key = SigningKeyCache.Derive(Encoding.UTF8.GetBytes("AWS4" + Post.Secret), date, Post.Region, Post.Service);
        string signature = Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
        return $"POST {path} HTTP/1.1\nContent-Type:application/json\nHost:example.amazonaws.com\nX-Amz-Date:{amzDate}\n"
            + $"Authorization:AWS4-HMAC-SHA256 Credential={Post.AccessKeyId}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}\nContent-Length:{body.Length}\n\n";
    }

    private static byte[] SignedBody() => ((MemoryStream)SuiteCase.ToContext(Post.File("header-signed-request.txt")).Request.Body).ToArray();

    /// <summary>The suite's signed request with <paramref name="body"/>; <paramref name="buffered"/>: the body is all in a
    /// pipe already (as Kestrel holds a body that came with its headers), else a stream read on demand.</summary>
    private static (DefaultHttpContext Context, RecordingResponseFeature Response, Pipe? Pipe) Request(byte[] body, bool buffered, bool complete = true, string? header = null, string? headerValue = null, string? requestText = null)
    {
        var context = SuiteCase.ToContext(requestText ?? Post.File("header-signed-request.txt"), body);
        var response = new RecordingResponseFeature { Body = new MemoryStream() };
        context.Features.Set<IHttpResponseFeature>(response);
        context.Response.Body = response.Body;
        if (header is not null)
        {
            context.Request.Headers[header] = headerValue;
        }
        Pipe? pipe = null;
        if (buffered)
        {
            pipe = new Pipe();
            pipe.Writer.Write(body);
            pipe.Writer.FlushAsync().AsTask().Wait();
            if (complete)
            {
                pipe.Writer.Complete();
            }
            context.Features.Set<IRequestBodyPipeFeature>(new BodyPipe(pipe.Reader));
        }
        return (context, response, pipe);
    }

    /// <summary>What a client gets: verification's outcome, the body read's, and the response written.</summary>
    private static async Task<string> Outcome(DefaultHttpContext context, RecordingResponseFeature response, bool readBody = true)
    {
        bool passed = await Post.Signing().VerifyAsync(context, Post.Service, RefusalShape.Lambda) is not null;
        string read = "not read";
        if (passed && readBody)
        {
            try
            {
                await SuiteCase.ReadBodyAsync(context);
                read = "read";
            }
            catch (SignatureMismatchException)
            {
                read = "refused at the body's end";
            }
        }
        string answer = $"{passed} {read} {context.Response.StatusCode} {context.Response.Headers["x-amzn-ErrorType"]} {SuiteCase.ResponseBody(context)}";
        await response.CompleteAsync();
        return answer;
    }

    [Fact]
    public async Task A_signed_body_all_here_is_decided_up_front_and_the_endpoint_reads_the_server_s_own_reader()
    {
        var body = SignedBody();
        var (context, response, pipe) = Request(body, buffered: true);

        Assert.NotNull(await Post.Signing().VerifyAsync(context, Post.Service, RefusalShape.Lambda));

        Assert.Same(pipe!.Reader, context.Request.BodyReader); // nothing wrapped
        Assert.Empty(response.OnCompletedCallbacks);            // nothing to give back at the request's end
        var result = await context.Request.BodyReader.ReadAsync();
        Assert.True(result.IsCompleted);
        Assert.Equal(body, result.Buffer.ToArray());             // put back whole, unconsumed
        context.Request.BodyReader.AdvanceTo(result.Buffer.End);
        Assert.Equal(200, context.Response.StatusCode);
    }

    [Fact]
    public async Task A_tampered_body_all_here_is_not_refused_before_the_endpoint_reads_it()
    {
        var tampered = SignedBody();
        tampered[0] ^= 1;
        var (context, response, _) = Request(tampered, buffered: true);

        Assert.NotNull(await Post.Signing().VerifyAsync(context, Post.Service, RefusalShape.Lambda));

        // Nothing is written yet: the endpoint's read decides it (an answer that reads nothing has it read: UnreadBody).
        Assert.Equal(200, context.Response.StatusCode);
        Assert.IsType<HashingBodyReader>(context.Request.BodyReader);
        await Assert.ThrowsAsync<SignatureMismatchException>(() => SuiteCase.ReadBodyAsync(context));
        Assert.Equal(403, context.Response.StatusCode);
        Assert.Equal("InvalidSignatureException", context.Response.Headers["x-amzn-ErrorType"].ToString());
        await response.CompleteAsync();
    }

    [Fact]
    public async Task A_body_with_Expect_100_continue_is_left_to_the_hashing_reader()
    {
        // Reading the body would make the server send the 100 Continue: that stays the endpoint's decision.
        var (context, response, pipe) = Request(SignedBody(), buffered: true, header: "Expect", headerValue: "100-continue");

        Assert.NotNull(await Post.Signing().VerifyAsync(context, Post.Service, RefusalShape.Lambda));

        Assert.IsType<HashingBodyReader>(context.Request.BodyReader);
        Assert.True(pipe!.Reader.TryRead(out var untouched)); // still all there for the endpoint
        Assert.Equal(SignedBody().Length, untouched.Buffer.Length);
        pipe.Reader.AdvanceTo(untouched.Buffer.Start);
        await response.CompleteAsync();
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(64, true)]
    [InlineData((int)BufferedBody.Limit, true)]
    [InlineData((int)BufferedBody.Limit + 1, false)]
    public async Task Only_bodies_up_to_the_limit_are_decided_up_front_and_every_one_verifies(int size, bool upFront)
    {
        var body = Encoding.UTF8.GetBytes(new string('x', size));
        var (context, response, _) = Request(body, buffered: true, requestText: SignedInvoke(body));

        Assert.NotNull(await Post.Signing().VerifyAsync(context, Post.Service, RefusalShape.Lambda));

        Assert.Equal(upFront, context.Request.BodyReader is not HashingBodyReader);
        await SuiteCase.ReadBodyAsync(context);
        Assert.Equal(200, context.Response.StatusCode);
        await response.CompleteAsync();
    }

    [Fact]
    public async Task A_body_whose_end_has_not_arrived_is_left_to_the_hashing_reader_which_verifies_it()
    {
        var (context, response, pipe) = Request(SignedBody(), buffered: true, complete: false);

        Assert.NotNull(await Post.Signing().VerifyAsync(context, Post.Service, RefusalShape.Lambda));
        var reader = context.Request.BodyReader;
        Assert.IsType<HashingBodyReader>(reader);
        pipe!.Writer.Complete();

        await SuiteCase.ReadBodyAsync(context);
        Assert.True(((HashingBodyReader)reader).Verified);
        Assert.Equal(200, context.Response.StatusCode);
        await response.CompleteAsync();
    }

    /// <summary>Every variant answered the same whether the body was all buffered (decided up front when it matches) or
    /// streamed in: the signed body, each byte of it changed, bodies cut short or run long, a different signature, a
    /// GET-like method (drained as before), and an endpoint that never reads the body.</summary>
    [Fact]
    public async Task Buffered_and_streamed_bodies_get_the_same_answers()
    {
        var signed = SignedBody();
        var bodies = new List<byte[]> { signed, Array.Empty<byte>(), signed[..^1], signed.Append((byte)'x').ToArray(), Encoding.UTF8.GetBytes(new string('x', signed.Length)) };
        for (int i = 0; i < signed.Length; i++)
        {
            var changed = (byte[])signed.Clone();
            changed[i] ^= 0x20;
            bodies.Add(changed);
        }
        var variants = new List<(string? Header, string? Value)>
        {
            (null, null),
            ("Authorization", WrongSignature()),
            ("X-Amz-Content-Sha256", Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(signed))),
        };
        int checkedCount = 0;
        foreach (var body in bodies)
        {
            // The suite's request signs its x-amz-content-sha256 (the body must hash to it); the invoke signs the body's
            // hash itself. Both signed for the unchanged body.
            foreach (var requestText in new[] { Post.File("header-signed-request.txt"), SignedInvoke(signed) })
            foreach (var (header, value) in variants)
            {
                foreach (bool readBody in new[] { true, false })
                {
                    var (bufferedContext, bufferedResponse, _) = Request(body, buffered: true, header: header, headerValue: value, requestText: requestText);
                    var (streamedContext, streamedResponse, _) = Request(body, buffered: false, header: header, headerValue: value, requestText: requestText);
                    Assert.Equal(await Outcome(streamedContext, streamedResponse, readBody), await Outcome(bufferedContext, bufferedResponse, readBody));
                    checkedCount++;
                }
            }
        }
        Assert.True(checkedCount > 100);
    }

    [Fact]
    public async Task A_get_with_a_body_is_drained_as_before()
    {
        var (buffered, bufferedResponse, _) = Request(SignedBody(), buffered: true);
        buffered.Request.Method = "GET";
        var (streamed, streamedResponse, _) = Request(SignedBody(), buffered: false);
        streamed.Request.Method = "GET";
        Assert.Equal(await Outcome(streamed, streamedResponse), await Outcome(buffered, bufferedResponse));
    }
}
