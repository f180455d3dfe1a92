using Gateway.Async;

namespace Gateway.UnitTests;

public class ThrottleBackoffTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(8, 128)]
    [InlineData(9, 256)]
    [InlineData(10, 300)] // 512 s capped at 5 minutes
    [InlineData(50, 300)]
    public void Throttled_events_back_off_exponentially_from_1_s_to_5_min(int throttles, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), ThrottleBackoff.Delay(throttles));
    }

    [Fact]
    public void The_default_maximum_event_age_is_six_hours()
    {
        Assert.Equal(TimeSpan.FromSeconds(21600), ThrottleBackoff.DefaultMaximumEventAge);
    }
}
