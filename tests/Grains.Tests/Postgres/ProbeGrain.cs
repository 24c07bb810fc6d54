using OrleansMl.Hosting;

namespace OrleansMl.Tests.Postgres;

[GenerateSerializer, Alias("OrleansMl.Tests.ProbeState")]
public sealed class ProbeState
{
    [Id(0)]
    public string? Value { get; set; }

    [Id(1)]
    public int Ticks { get; set; }
}

public sealed class ProbeGrain([PersistentState("probe", StorageNames.Grains)] IPersistentState<ProbeState> state) : Grain, IProbeGrain, IRemindable
{
    public async Task SetValueAsync(string value)
    {
        state.State.Value = value;
        await state.WriteStateAsync();
    }

    public Task<string?> GetValueAsync() => Task.FromResult(state.State.Value);

    // The shortest period Orleans accepts is a minute; the first tick comes after a second.
    public Task StartTickingAsync() => this.RegisterOrUpdateReminder("tick", TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));

    public Task<int> GetTicksAsync() => Task.FromResult(state.State.Ticks);

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        state.State.Ticks++;
        await state.WriteStateAsync();
    }
}
