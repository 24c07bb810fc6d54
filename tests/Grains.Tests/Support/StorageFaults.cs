using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace OrleansMl.Tests.Support;

/// <summary>
/// Makes the real grain storage fail on demand: <see cref="Install"/> wraps the storage provider of a silo so that
/// writes of chosen grains (by state name, and optionally by key) throw as a database that is down would, while every
/// other grain reads and writes through to the real storage.
/// </summary>
public sealed class StorageFaults
{
    private readonly ConcurrentDictionary<(string State, string? Key), Func<object?, bool>> _failing = new();
    private readonly ConcurrentDictionary<(string State, string Key), WriteHold> _held = new();

    /// <summary>Writes of the state <paramref name="stateName"/> ("model", "version", "dataset", "catalog") fail, for one key or all.</summary>
    public IDisposable FailWrites(string stateName, string? key = null) => FailWritesOf(stateName, key, _ => true);

    /// <summary>
    /// Writes of the state <paramref name="stateName"/> of one grain fail only when the state being written matches
    /// <paramref name="when"/>: a fault set before an operation starts that hits one step of it and not the others.
    /// </summary>
    public IDisposable FailWritesOf(string stateName, string? key, Func<object?, bool> when)
    {
        _failing[(stateName, key)] = when;
        return new Scope(() => _failing.TryRemove((stateName, key), out _));
    }

    /// <summary>
    /// Writes of the state <paramref name="stateName"/> of the grain <paramref name="key"/> wait until the returned hold
    /// is disposed: an operation paused at that write (<see cref="WriteHold.Reached"/>), so a test can act in between.
    /// </summary>
    public WriteHold HoldWrites(string stateName, string key)
    {
        var hold = new WriteHold(() => _held.TryRemove((stateName, key), out _));
        _held[(stateName, key)] = hold;
        return hold;
    }

    public void Clear()
    {
        _failing.Clear();
        foreach (var hold in _held.Values)
        {
            hold.Dispose();
        }
    }

    /// <summary>Wraps the grain storage provider named <paramref name="name"/> in <paramref name="services"/>.</summary>
    public void Install(IServiceCollection services, string name)
    {
        ArgumentNullException.ThrowIfNull(services);
        var registered = services.Last(d => d.ServiceType == typeof(IGrainStorage) && d.IsKeyedService && Equals(d.ServiceKey, name));
        var create = registered.KeyedImplementationFactory
            ?? throw new InvalidOperationException($"The grain storage '{name}' is not registered through a factory.");
        services.Remove(registered);
        services.AddKeyedSingleton<IGrainStorage>(name, (sp, key) => new FailingGrainStorage((IGrainStorage)create(sp, key), this));
    }

    private bool Fails(string stateName, GrainId grainId, object? state) =>
        (_failing.TryGetValue((stateName, null), out var any) && any(state))
        || (_failing.TryGetValue((stateName, grainId.Key.ToString()), out var one) && one(state));

    private WriteHold? HeldAt(string stateName, GrainId grainId) =>
        _held.TryGetValue((stateName, grainId.Key.ToString()!), out var hold) ? hold : null;

    /// <summary>A pause of the writes of one grain (<see cref="HoldWrites"/>); disposing it lets them through.</summary>
    public sealed class WriteHold(Action remove) : IDisposable
    {
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Completes when a write has arrived and waits.</summary>
        public Task Reached => _reached.Task;

        internal async Task WaitAsync()
        {
            _reached.TrySetResult();
            await _released.Task;
        }

        public void Dispose()
        {
            remove();
            _released.TrySetResult();
        }
    }

    private sealed class Scope(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }

    private sealed class FailingGrainStorage(IGrainStorage inner, StorageFaults faults) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
    {
        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            inner.ReadStateAsync(stateName, grainId, grainState);

        public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            if (faults.HeldAt(stateName, grainId) is { } hold)
            {
                await hold.WaitAsync();
            }

            await (faults.Fails(stateName, grainId, grainState.State)
                ? throw new IOException($"Simulated storage failure writing {stateName} of {grainId}.")
                : inner.WriteStateAsync(stateName, grainId, grainState));
        }

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            faults.Fails(stateName, grainId, grainState.State)
                ? throw new IOException($"Simulated storage failure clearing {stateName} of {grainId}.")
                : inner.ClearStateAsync(stateName, grainId, grainState);

        public void Participate(ISiloLifecycle observer) => (inner as ILifecycleParticipant<ISiloLifecycle>)?.Participate(observer);
    }
}
