using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Storage;
using OrleansMl.Hosting;

namespace OrleansMl.Storage;

/// <summary>Registers a <see cref="GroupCommitGrainStorage"/> as a named grain storage provider.</summary>
public static class GroupCommitStorageExtensions
{
    /// <summary>
    /// Adds the grain storage <paramref name="name"/>, stored in groups in <paramref name="database"/> with the binary
    /// serializer of <see cref="StorageNames.Grains"/>; states it has never stored are read from that provider.
    /// </summary>
    public static IServiceCollection AddGroupCommitStorage(this IServiceCollection services, string name, Func<IServiceProvider, GroupCommitDatabase> database)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(database);
        services.AddKeyedSingleton<IGrainStorage>(name, (sp, _) => new GroupCommitGrainStorage(
            database(sp),
            sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId,
            sp.GetRequiredKeyedService<IGrainStorageSerializer>(StorageNames.Grains),
            sp.GetRequiredKeyedService<IGrainStorage>(StorageNames.Grains),
            sp.GetRequiredService<ILogger<GroupCommitGrainStorage>>()));
        return services;
    }
}
