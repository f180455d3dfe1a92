using System.IO.Compression;

namespace Gateway.Tests.Infrastructure;

/// <summary>Deployment packages built in the test: zips whose entries carry Unix modes, as `zip` on Linux writes them.</summary>
public static class FunctionZip
{
    /// <summary>A zip of (path, content, mode) entries.</summary>
    public static byte[] Build(params (string Path, string Content, int Mode)[] entries)
    {
        using var buffer = new MemoryStream();
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (path, content, mode) in entries)
            {
                var entry = archive.CreateEntry(path);
                entry.ExternalAttributes = (0x8000 | mode) << 16; // S_IFREG | permissions, in the high 16 bits
                using var stream = entry.Open();
                stream.Write(Encoding.UTF8.GetBytes(content));
            }
        }
        return buffer.ToArray();
    }

    /// <summary>A bash custom runtime (curl against AWS_LAMBDA_RUNTIME_API) whose every answer is <paramref name="answer"/>,
    /// given at once — or after 10 s when the event contains <c>"hold"</c> (a call that is surely still running while a
    /// test does something else).</summary>
    public static byte[] BashAnswering(string answer) => Build(("bootstrap", $$"""
        #!/bin/bash
        set -euo pipefail
        api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
        headers="$(mktemp)"
        while true; do
          curl -sS --fail -D "$headers" -o "$headers.event" "$api/invocation/next"
          id="$(grep -Fi 'Lambda-Runtime-Aws-Request-Id:' "$headers" | tr -d '[:space:]' | cut -d: -f2)"
          if grep -q '"hold"' "$headers.event"; then sleep 10; fi
          curl -sS -o /dev/null -X POST --data-binary '{{answer}}' "$api/invocation/$id/response"
        done
        """.Replace("\r", ""), 0b111_101_101));

    /// <summary>The published C# sample bootstrap (native AOT) as a deployment package; Handler picks the sample.</summary>
    public static byte[] CSharpSamples()
    {
        using var buffer = new MemoryStream();
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            var entry = archive.CreateEntry("bootstrap", CompressionLevel.Fastest);
            entry.ExternalAttributes = (0x8000 | 0b111_101_101) << 16;
            using var stream = entry.Open();
            using var binary = File.OpenRead(Path.Combine(TestPaths.SamplesDirectory, "bootstrap"));
            binary.CopyTo(stream);
        }
        return buffer.ToArray();
    }
}
