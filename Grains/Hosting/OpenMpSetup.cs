using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansMl.Ml;

namespace OrleansMl.Hosting;

/// <summary>
/// Chooses LightGBM's OpenMP runtime (<see cref="OrleansMlOptions.OpenMpRuntime"/>) in the first stage of silo start-up,
/// before any training can load LightGBM; <c>llvm</c> without LLVM's runtime stops the start.
/// </summary>
internal sealed partial class OpenMpSetup(IOptions<OrleansMlOptions> options, ILogger<OpenMpSetup> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(OpenMpSetup), ServiceLifecycleStage.First, _ =>
        {
            var wanted = options.Value.OpenMpRuntime.ToLowerInvariant();
            var active = OpenMpRuntime.Select(wanted);
            if (wanted != OpenMpRuntime.Auto && wanted != active)
            {
                // Another silo or a training in this process chose first: a process has one runtime.
                LogChosenBefore(logger, active, wanted);
            }
            else
            {
                LogChosen(logger, active, wanted);
            }

            return Task.CompletedTask;
        });

    [LoggerMessage(Level = LogLevel.Information, Message = "LightGBM runs on the {Active} OpenMP runtime (OrleansMl:OpenMpRuntime {Wanted})")]
    private static partial void LogChosen(ILogger logger, string active, string wanted);

    [LoggerMessage(Level = LogLevel.Warning, Message = "LightGBM runs on the {Active} OpenMP runtime, not {Wanted}: this process chose before this silo started")]
    private static partial void LogChosenBefore(ILogger logger, string active, string wanted);
}
