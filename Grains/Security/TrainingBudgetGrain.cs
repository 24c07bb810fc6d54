namespace OrleansMl.Security;

/// <summary>
/// A token bucket per caller (<see cref="ITrainingBudgetGrain"/>): <c>perMinute</c> tokens that refill continuously at
/// <c>perMinute</c> a minute. Nothing is stored: a new activation starts full.
/// </summary>
public sealed class TrainingBudgetGrain(TimeProvider time) : Grain, ITrainingBudgetGrain
{
    private int _perMinute;
    private double _tokens;
    private DateTimeOffset _at;

    public Task<TimeSpan?> TryTakeAsync(int perMinute)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(perMinute, 1);
        var now = time.GetUtcNow();
        // A new budget, or the gateways' setting changed: the bucket keeps what it holds, up to the new size.
        _tokens = _perMinute == 0
            ? perMinute
            : Math.Min(perMinute, _tokens + (Math.Max(0, (now - _at).TotalMinutes) * _perMinute));
        (_perMinute, _at) = (perMinute, now);
        if (_tokens >= 1)
        {
            _tokens -= 1;
            return Task.FromResult<TimeSpan?>(null);
        }

        return Task.FromResult<TimeSpan?>(TimeSpan.FromMinutes((1 - _tokens) / perMinute));
    }
}
