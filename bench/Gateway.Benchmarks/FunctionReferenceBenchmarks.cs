using BenchmarkDotNet.Attributes;
using Gateway.Invoke;

namespace Gateway.Benchmarks;

/// <summary><see cref="FunctionReferenceParser.TryParse"/> on every invoke, for the three shapes callers use.</summary>
[MemoryDiagnoser]
[GcServer(false)]
[GcConcurrent(false)]
public class FunctionReferenceBenchmarks
{
    private string _bare = null!;
    private string _qualified = null!;
    private string _arn = null!;

    [GlobalSetup]
    public void Setup()
    {
        // Fresh strings (not literals), as a decoded request path would be.
        _bare = string.Concat("my-", "function");
        _qualified = string.Concat(_bare, ":live");
        _arn = string.Concat("arn:aws:lambda:us-east-1:123456789012:function:", _bare, ":live");
        if (!FunctionReferenceParser.TryParse(_arn, out var r, out _) || r.Name != _bare || r.Qualifier != "live" || r.AccountId != "123456789012")
        {
            throw new InvalidOperationException("ARN did not parse as expected");
        }
    }

    [Benchmark(Baseline = true)]
    public int BareName()
    {
        return FunctionReferenceParser.TryParse(_bare, out var reference, out _) ? reference.Name.Length + (reference.Qualifier?.Length ?? 0) : -1;
    }

    [Benchmark]
    public int NameAndQualifier()
    {
        return FunctionReferenceParser.TryParse(_qualified, out var reference, out _) ? reference.Name.Length + (reference.Qualifier?.Length ?? 0) : -1;
    }

    [Benchmark]
    public int FullArn()
    {
        return FunctionReferenceParser.TryParse(_arn, out var reference, out _) ? reference.Name.Length + (reference.Qualifier?.Length ?? 0) : -1;
    }
}
