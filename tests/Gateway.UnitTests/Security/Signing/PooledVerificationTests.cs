using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using Gateway.Security.Signing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.UnitTests.Security.Signing;

/// <summary>
/// The pooled pieces of verification (<see cref="HashingBodyReader"/>, <see cref="SignedRequest"/>): a request that
/// ends early, is refused or verifies leaves nothing behind for the next request that reuses them; a synchronous read
/// never decides a signature (the asynchronous read does, and writes the refusal); the hand-read X-Amz-Date agrees
/// with <c>DateTimeOffset.TryParseExact</c>.
/// </summary>
public sealed class PooledVerificationTests
{
    private static readonly SuiteCase Post = SuiteCase.Load("post-x-www-form-urlencoded");

    /// <summary>A request as Kestrel ends it: the response's OnCompleted callbacks run (they give the reader back).</summary>
    private sealed class CompletingResponseFeature : HttpResponseFeature
    {
        private readonly List<KeyValuePair<Func<object, Task>, object>> _onCompleted = [];

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

    private sealed class BodyPipe(PipeReader reader) : IRequestBodyPipeFeature
    {
        public PipeReader Reader => reader;
    }

    private static (DefaultHttpContext Context, CompletingResponseFeature Response) Request(byte[]? body = null)
    {
        var context = SuiteCase.ToContext(Post.File("header-signed-request.txt"), body);
        var response = new CompletingResponseFeature { Body = new MemoryStream() };
        context.Features.Set<IHttpResponseFeature>(response);
        context.Response.Body = response.Body;
        return (context, response);
    }

    private static byte[] SignedBody()
    {
        var (context, _) = Request();
        return ((MemoryStream)context.Request.Body).ToArray();
    }

    private static byte[] Tampered() => Encoding.UTF8.GetBytes(new string('x', SignedBody().Length));

    [Fact]
    public async Task Requests_that_end_early_or_are_refused_leave_the_pooled_reader_clean_for_the_next()
    {
        var signing = Post.Signing();
        for (int round = 0; round < 20; round++)
        {
            // One read of a few bytes, then the request ends (the client left): the hash holds a partial body.
            var (early, earlyResponse) = Request();
            Assert.NotNull(await signing.VerifyAsync(early, Post.Service, RefusalShape.Lambda));
            var reader = early.Request.BodyReader;
            var partial = await reader.ReadAsync();
            reader.AdvanceTo(partial.Buffer.GetPosition(Math.Min(3, partial.Buffer.Length)));
            await earlyResponse.CompleteAsync();

            // A tampered body, refused at its end.
            var (tampered, tamperedResponse) = Request(Tampered());
            Assert.NotNull(await signing.VerifyAsync(tampered, Post.Service, RefusalShape.Lambda));
            await Assert.ThrowsAsync<SignatureMismatchException>(() => SuiteCase.ReadBodyAsync(tampered));
            Assert.Equal(403, tampered.Response.StatusCode);
            await tamperedResponse.CompleteAsync();

            // The signed body verifies on whatever the pool hands back.
            var (good, goodResponse) = Request();
            Assert.NotNull(await signing.VerifyAsync(good, Post.Service, RefusalShape.Lambda));
            await SuiteCase.ReadBodyAsync(good);
            Assert.Equal(200, good.Response.StatusCode);
            await goodResponse.CompleteAsync();
        }
    }

    [Fact]
    public async Task A_synchronous_read_leaves_the_body_s_end_to_the_asynchronous_read_which_writes_the_refusal()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(Tampered());
        await pipe.Writer.CompleteAsync();
        var (context, _) = Request(Tampered());
        context.Features.Set<IRequestBodyPipeFeature>(new BodyPipe(pipe.Reader));

        Assert.NotNull(await Post.Signing().VerifyAsync(context, Post.Service, RefusalShape.Lambda));
        var reader = context.Request.BodyReader;
        Assert.IsType<HashingBodyReader>(reader); // all here, but not matching: left to the hashing reader

        Assert.False(reader.TryRead(out _)); // the whole body is there, but its end decides the signature
        Assert.Equal(200, context.Response.StatusCode);
        await Assert.ThrowsAsync<SignatureMismatchException>(async () => await reader.ReadAsync());
        Assert.Equal(403, context.Response.StatusCode);
        Assert.Equal("InvalidSignatureException", context.Response.Headers["x-amzn-ErrorType"].ToString());
        Assert.Throws<SignatureMismatchException>(() => reader.TryRead(out _));
    }

    [Fact]
    public async Task A_synchronous_read_of_a_signed_body_returns_it_after_the_asynchronous_read_decided()
    {
        // The body's end arrives after verification began (a body all here at once is decided up front instead:
        // BufferedBodyTests), so the hashing reader decides it.
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(SignedBody());
        var (context, _) = Request();
        context.Features.Set<IRequestBodyPipeFeature>(new BodyPipe(pipe.Reader));

        Assert.NotNull(await Post.Signing().VerifyAsync(context, Post.Service, RefusalShape.Lambda));
        await pipe.Writer.CompleteAsync();
        var reader = context.Request.BodyReader;
        Assert.IsType<HashingBodyReader>(reader);

        Assert.False(reader.TryRead(out _));
        var result = await reader.ReadAsync();
        Assert.True(result.IsCompleted);
        Assert.Equal(SignedBody(), result.Buffer.ToArray());
        reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        Assert.True(reader.TryRead(out var again)); // decided: synchronous reads pass through now
        Assert.True(again.IsCompleted);
        reader.AdvanceTo(again.Buffer.End);
    }

    [Theory]
    [InlineData("20150830T123600Z")]
    [InlineData("20240229T235959Z")]
    [InlineData("20230229T120000Z")] // no 29 February in 2023
    [InlineData("20150830T243600Z")]
    [InlineData("20150830T126000Z")]
    [InlineData("20150830T123660Z")]
    [InlineData("20151330T123600Z")]
    [InlineData("00000830T123600Z")]
    [InlineData("20150830 123600Z")]
    [InlineData("20150830T123600")]
    [InlineData("2015-08-30T12:36:00Z")]
    [InlineData("20150830t123600z")]
    [InlineData("2015083OT123600Z")]
    [InlineData("99991231T235959Z")]
    [InlineData("00010101T000000Z")]
    [InlineData(" 20150830T123600Z")]
    [InlineData("")]
    public void The_hand_read_amz_date_agrees_with_TryParseExact(string text)
    {
        bool expected = DateTimeOffset.TryParseExact(text, AmzDates.Format, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var expectedAt);
        Assert.Equal(expected, AmzDates.TryParse(text, out var at));
        Assert.Equal(expectedAt, at);
        Assert.Equal(expectedAt.Offset, at.Offset);
    }

    /// <summary>The hand-computed instant (days before the year and month, no DateTime constructor) over every day
    /// 0–32 of every month of years around each leap rule (4, 100, 400) and the range's ends, at random times.</summary>
    [Fact]
    public void The_hand_read_amz_date_agrees_with_TryParseExact_on_every_day_of_many_years()
    {
        var random = new Random(8);
        int[] years = [1, 2, 3, 4, 5, 99, 100, 101, 399, 400, 401, 1600, 1700, 1899, 1900, 1970, 1999, 2000, 2023, 2024, 2025, 2026, 2100, 2400, 9996, 9999];
        foreach (int year in years)
        {
            for (int month = 0; month <= 13; month++)
            {
                for (int day = 0; day <= 32; day++)
                {
                    string text = $"{year:D4}{month:D2}{day:D2}T{random.Next(24):D2}{random.Next(60):D2}{random.Next(60):D2}Z";
                    The_hand_read_amz_date_agrees_with_TryParseExact(text);
                }
            }
        }
    }
}
