using Gateway.Async;

namespace Gateway.UnitTests.Async;

/// <summary>AWS's asynchronous retry rules (LAMBDA.md §6) as pure decisions.</summary>
public sealed class RetryPolicyTests
{
    private static AsyncInvokeSettings Settings(int retries = 2, int maxAgeSeconds = 21600) => new(retries, maxAgeSeconds, null, null, null);

    [Fact]
    public void The_first_failure_waits_one_minute_and_the_second_two()
    {
        var first = RetryPolicy.AfterFunctionError(Settings(), runs: 1, age: TimeSpan.Zero);
        var second = RetryPolicy.AfterFunctionError(Settings(), runs: 2, age: TimeSpan.FromMinutes(1));

        Assert.True(first.Retry);
        Assert.Equal(TimeSpan.FromMinutes(1), first.Delay);
        Assert.True(second.Retry);
        Assert.Equal(TimeSpan.FromMinutes(2), second.Delay);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 2)]
    [InlineData(2, 3)]
    public void Retries_are_exhausted_after_MaximumRetryAttempts_plus_one_runs(int maximumRetryAttempts, int runs)
    {
        var decision = RetryPolicy.AfterFunctionError(Settings(maximumRetryAttempts), runs, TimeSpan.Zero);

        Assert.False(decision.Retry);
        Assert.Equal(OutcomeCondition.RetriesExhausted, decision.GiveUpCondition);
        Assert.True(RetryPolicy.AfterFunctionError(Settings(maximumRetryAttempts), runs - 1, TimeSpan.Zero).Retry || runs == 1);
    }

    [Fact]
    public void A_retry_that_could_only_start_after_the_maximum_age_is_given_up_as_EventAgeExceeded()
    {
        // 60 s maximum age: a one-minute wait after a run at age 1 s would end past it.
        var decision = RetryPolicy.AfterFunctionError(Settings(maxAgeSeconds: 60), runs: 1, age: TimeSpan.FromSeconds(1));

        Assert.False(decision.Retry);
        Assert.Equal(OutcomeCondition.EventAgeExceeded, decision.GiveUpCondition);
        Assert.True(RetryPolicy.AfterFunctionError(Settings(maxAgeSeconds: 61), runs: 1, age: TimeSpan.FromSeconds(1)).Retry);
    }

    [Fact]
    public void Age_is_checked_against_the_configured_maximum()
    {
        Assert.False(RetryPolicy.IsTooOld(Settings(maxAgeSeconds: 60), TimeSpan.FromSeconds(60)));
        Assert.True(RetryPolicy.IsTooOld(Settings(maxAgeSeconds: 60), TimeSpan.FromSeconds(60.001)));
        Assert.False(RetryPolicy.IsTooOld(AsyncInvokeSettings.Default, TimeSpan.FromHours(6)));
        Assert.True(RetryPolicy.IsTooOld(AsyncInvokeSettings.Default, TimeSpan.FromHours(6) + TimeSpan.FromMilliseconds(1)));
    }
}
