using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Runtime.Messaging;
using OrleansMl.Gateway.Api;

namespace OrleansMl.Gateway.Tests;

/// <summary>How the gateway carries idempotent calls through a cluster failover (REST routes through the endpoint filter).</summary>
public sealed class FailoverPolicyTests
{
    private readonly FailoverFilter _filter = new(new FailoverPolicy(NullLogger<FailoverPolicy>.Instance));
    private readonly EndpointFilterInvocationContext _context = new DefaultEndpointFilterInvocationContext(new DefaultHttpContext());

    [Fact]
    public async Task RejectedCall_IsRetried_UntilTheGrainAnswers()
    {
        var calls = 0;
        var result = await _filter.InvokeAsync(_context, _ =>
        {
            if (++calls < 3)
            {
                throw new SiloUnavailableException("The target silo became unavailable");
            }

            return ValueTask.FromResult<object?>("answer");
        });

        Assert.Equal("answer", result);
        Assert.Equal(3, calls);
    }

    [Fact]
    public async Task ConnectionToADeadSilo_IsRetried_UntilAnotherSiloAnswers()
    {
        var calls = 0;
        var result = await _filter.InvokeAsync(_context, _ =>
        {
            if (++calls == 1)
            {
                throw new ConnectionFailedException("Unable to connect to S127.0.0.1:11111:0, will retry after 1000ms");
            }

            return ValueTask.FromResult<object?>("answer");
        });

        Assert.Equal("answer", result);
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task DomainError_IsAnsweredAtOnce_WithoutRetry()
    {
        var calls = 0;
        await Assert.ThrowsAsync<ModelNotFoundException>(async () => await _filter.InvokeAsync(_context, _ =>
        {
            calls++;
            throw new ModelNotFoundException("Model 'm' does not exist.");
        }));

        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task CallLostWithASilo_IsRacedByASecondAttempt_WhichAnswers()
    {
        // The first call never answers, as one sent to a silo at the instant it was killed; only Orleans' response
        // timeout would end it, 30 s later, with an error.
        var lost = new TaskCompletionSource<object?>();
        var calls = 0;
        var clock = Stopwatch.StartNew();
        var result = await _filter.InvokeAsync(_context, _ => ++calls == 1 ? new ValueTask<object?>(lost.Task) : ValueTask.FromResult<object?>("answer"))
            .AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("answer", result);
        Assert.Equal(2, calls);
        // Timers count whole milliseconds of the system tick, so the race may start a tick before the stopwatch reaches
        // the limit; a loaded machine may start it late, but never before it.
        Assert.InRange(clock.Elapsed, FailoverPolicy.StallLimit - TimeSpan.FromMilliseconds(50), FailoverPolicy.StallLimit + TimeSpan.FromSeconds(9));
        lost.SetException(new TimeoutException("Response did not arrive on time"));
    }

    [Fact]
    public async Task SlowCall_ThatAnswersFirst_IsTheAnswer()
    {
        var slow = new TaskCompletionSource<object?>();
        var retry = new TaskCompletionSource<object?>();
        var calls = 0;
        var answer = _filter.InvokeAsync(_context, _ => new ValueTask<object?>(++calls == 1 ? slow.Task : retry.Task)).AsTask();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (Volatile.Read(ref calls) < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "The slow call was never raced by a second attempt.");
            await Task.Delay(50);
        }

        slow.SetResult("slow answer");
        Assert.Equal("slow answer", await answer);
        retry.SetException(new SiloUnavailableException("The target silo became unavailable"));
    }
}
