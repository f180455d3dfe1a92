using System.Buffers;
using System.Text;
using Gateway.Runtime;

namespace Gateway.Samples.Handlers;

/// <summary>
/// Test helper: <c>{"lines": N, "bytes": M}</c> writes N lines, odd ones to stdout and even ones to
/// stderr, each padded with 'x' to M bytes (without the newline; M smaller than the label keeps the
/// label), then returns <c>{"ok":true}</c>. Written as raw bytes straight to the standard streams.
/// </summary>
internal static class LogHandler
{
    private static readonly Stream StandardOutput = Console.OpenStandardOutput();
    private static readonly Stream StandardError = Console.OpenStandardError();

    public static ValueTask Invoke(InvocationContext context, IBufferWriter<byte> response)
    {
        ReadOnlySpan<byte> payload = context.Payload.Span;
        int lines = PayloadJson.ReadNonNegativeInt(payload, "lines"u8);
        int bytes = PayloadJson.ReadNonNegativeInt(payload, "bytes"u8);

        byte[] line = new byte[Math.Max(bytes, 64) + 1];
        for (int i = 1; i <= lines; i++)
        {
            bool toStdout = i % 2 == 1;
            string label = $"log line {i} of {lines} to {(toStdout ? "stdout" : "stderr")} ";
            int length = Encoding.ASCII.GetBytes(label, line);
            if (bytes > length)
            {
                line.AsSpan(length, bytes - length).Fill((byte)'x');
                length = bytes;
            }

            line[length++] = (byte)'\n';
            (toStdout ? StandardOutput : StandardError).Write(line, 0, length);
        }

        StandardOutput.Flush();
        StandardError.Flush();
        response.Write("{\"ok\":true}"u8);
        return ValueTask.CompletedTask;
    }
}
