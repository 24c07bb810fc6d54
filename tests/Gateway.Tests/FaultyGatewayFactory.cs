using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using OrleansMl.Hosting;
using OrleansMl.Tests.Support;

namespace OrleansMl.Gateway.Tests;

/// <summary>
/// The real gateway whose co-hosted silo can be made to misbehave on demand: its grain storage refuses writes
/// (<see cref="Faults"/>), a grain call the gateway sends is lost on the way, as one sent to a silo at the instant
/// it died (<see cref="Calls"/>), or a grain call is answered with an error (<see cref="Errors"/>).
/// </summary>
public sealed class FaultyGatewayFactory : GatewayFactory
{
    public StorageFaults Faults { get; } = new();

    public LostCalls Calls { get; } = new();

    public FailingCalls Errors { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            Faults.Install(services, StorageNames.Grains);
            services.AddSingleton<IOutgoingGrainCallFilter>(Calls);
            services.AddSingleton<IOutgoingGrainCallFilter>(Errors);
        });
    }

    public override async ValueTask DisposeAsync()
    {
        Calls.Dispose();
        await base.DisposeAsync();
    }
}

/// <summary>Loses the next outgoing call of a chosen grain method: it is never sent and never answered.</summary>
public sealed class LostCalls : IOutgoingGrainCallFilter, IDisposable
{
    private readonly TaskCompletionSource _end = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? _method;

    /// <summary>The next call of <paramref name="method"/> (an interface method's name) is lost.</summary>
    public void LoseNext(string method) => Volatile.Write(ref _method, method);

    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var armed = Volatile.Read(ref _method);
        var method = context.InterfaceMethod?.Name;
        if (armed is not null && armed == method && ReferenceEquals(Interlocked.CompareExchange(ref _method, null, armed), armed))
        {
            await _end.Task;
            throw new TimeoutException($"The call of {method} was lost.");
        }

        await context.Invoke();
    }

    public void Dispose() => _end.TrySetResult();
}

/// <summary>
/// Answers the calls of a chosen grain method to one grain with an error, as the grain would have thrown it: a path
/// where the grain storage refuses a change no request can reach on demand otherwise (a read-only route).
/// </summary>
public sealed class FailingCalls : IOutgoingGrainCallFilter
{
    private volatile Failure? _failure;

    /// <summary>Calls of <paramref name="method"/> (an interface method's name) to the grain keyed <paramref name="key"/> throw <paramref name="error"/> until the scope ends.</summary>
    public IDisposable Fail(string method, string key, Exception error)
    {
        _failure = new Failure(method, key, error);
        return new Scope(this);
    }

    public Task Invoke(IOutgoingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return _failure is { } failure && failure.Method == context.InterfaceMethod?.Name && failure.Key == context.TargetId.Key.ToString()
            ? Task.FromException(failure.Error)
            : context.Invoke();
    }

    private sealed record Failure(string Method, string Key, Exception Error);

    private sealed class Scope(FailingCalls calls) : IDisposable
    {
        public void Dispose() => calls._failure = null;
    }
}

[CollectionDefinition(Name)]
public sealed class FaultyGatewayCollection : ICollectionFixture<FaultyGatewayFactory>
{
    public const string Name = "faulty gateway";
}
