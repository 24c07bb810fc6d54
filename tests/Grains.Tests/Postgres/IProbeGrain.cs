namespace OrleansMl.Tests.Postgres;

/// <summary>A grain with durable state and a reminder, to watch a PostgreSQL-backed cluster from the outside.</summary>
[Alias("OrleansMl.Tests.IProbeGrain")]
public interface IProbeGrain : IGrainWithStringKey
{
    [Alias("SetValue")]
    Task SetValueAsync(string value);

    [Alias("GetValue")]
    Task<string?> GetValueAsync();

    [Alias("StartTicking")]
    Task StartTickingAsync();

    [Alias("GetTicks")]
    Task<int> GetTicksAsync();
}
