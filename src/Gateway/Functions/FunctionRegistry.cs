using Gateway.Async;
using Gateway.Environments;

namespace Gateway.Functions;

/// <summary>A registered function with its environment pool and its queue of Event invocations ready to run.</summary>
internal sealed class RegisteredFunction(FunctionDefinition definition, EnvironmentPool pool, EventQueue events)
{
    public FunctionDefinition Definition { get; } = definition;

    public EnvironmentPool Pool { get; } = pool;

    public EventQueue Events { get; } = events;
}

/// <summary>Function names to functions. Names are case-sensitive, as on AWS.</summary>
internal sealed class FunctionRegistry
{
    private readonly Dictionary<string, RegisteredFunction> _functions = new(StringComparer.Ordinal);

    public void Add(RegisteredFunction function) => _functions.Add(function.Definition.Name, function);

    public bool TryGet(string name, out RegisteredFunction function) => _functions.TryGetValue(name, out function!);

    public IEnumerable<RegisteredFunction> All => _functions.Values;
}
