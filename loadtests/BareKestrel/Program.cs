// The HTTP floor: POST /2015-03-31/functions/{name}/invocations returns the request body. Same route, same
// Kestrel, same native AOT as the gateway, no per-request logging, no function behind it.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
var app = builder.Build();

const long MaxBody = 6 * 1024 * 1024;    // the gateway's sync limit; larger bodies get 413 unread
app.MapPost("/2015-03-31/functions/{name}/invocations", async context =>
{
    var request = context.Request;
    var response = context.Response;
    if (request.ContentLength is > MaxBody)
    {
        response.StatusCode = StatusCodes.Status413PayloadTooLarge;
        return;
    }
    response.ContentType = "application/json";
    if (request.ContentLength is long length)
    {
        response.ContentLength = length;
    }
    await request.BodyReader.CopyToAsync(response.BodyWriter, context.RequestAborted);
});
app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine($"[bare-kestrel] listening on {string.Join(", ", app.Urls)}"));
app.Run();
