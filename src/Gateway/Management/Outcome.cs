using Gateway.Invoke;

namespace Gateway.Management;

/// <summary>What a management change or lookup came to: a value, or the refusal AWS gives (as a value, so the pure
/// rules return it from inside <see cref="Functions.Registry.FunctionRegistry.Change{T}"/> without throwing).</summary>
internal readonly record struct Outcome<T>(T? Value, LambdaError? Error)
{
    public bool IsOk => Error is null;

    public static Outcome<T> Ok(T value) => new(value, null);

    public static Outcome<T> Fail(LambdaError error) => new(default, error);

    public static implicit operator Outcome<T>(LambdaError error) => Fail(error);
}
