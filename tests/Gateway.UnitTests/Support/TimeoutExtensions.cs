namespace Gateway.UnitTests.Support;

/// <summary>Every await in these tests goes through one of these, so a broken unit fails the test instead of hanging it
/// (Kestrel's TaskTimeoutExtensions). The timeout is generous: it is a hang detector, not a timing assertion.</summary>
internal static class TimeoutExtensions
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(30);

    public static Task WithTimeout(this Task task) => task.WaitAsync(Default);

    public static Task<T> WithTimeout<T>(this Task<T> task) => task.WaitAsync(Default);

    public static Task WithTimeout(this ValueTask task) => task.AsTask().WaitAsync(Default);

    public static Task<T> WithTimeout<T>(this ValueTask<T> task) => task.AsTask().WaitAsync(Default);
}
