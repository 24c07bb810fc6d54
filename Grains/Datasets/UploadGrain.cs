using Orleans.Placement;
using OrleansMl.Hosting;
using OrleansMl.Storage;

namespace OrleansMl.Datasets;

/// <summary>
/// Stages one upload in the artifact store chunk by chunk. Placed on the silo that receives it, so in embedded mode
/// the bytes never leave the process.
/// </summary>
[PreferLocalPlacement]
public sealed class UploadGrain(IArtifactStore artifacts, OrleansMlOptions options) : Grain, IUploadGrain
{
    private UploadReceipt? _receipt;
    private bool _tooLarge;

    public async Task AppendAsync(byte[] chunk, CancellationToken cancellationToken = default)
    {
        if (_receipt is not null)
        {
            throw new InvalidOperationException("This upload is already complete.");
        }

        if (_tooLarge)
        {
            throw TooLarge();
        }

        var size = await artifacts.AppendStagedAsync(this.GetPrimaryKey(), chunk, cancellationToken);
        if (size > options.MaxUploadBytes)
        {
            _tooLarge = true;
            await artifacts.DeleteStagedAsync(this.GetPrimaryKey(), cancellationToken);
            throw TooLarge();
        }
    }

    public async Task<UploadReceipt> CompleteAsync(CancellationToken cancellationToken = default)
    {
        if (_tooLarge)
        {
            throw TooLarge();
        }

        _receipt ??= await artifacts.CommitStagedAsync(this.GetPrimaryKey(), cancellationToken);
        DeactivateOnIdle();
        return _receipt;
    }

    public async Task AbortAsync()
    {
        await artifacts.DeleteStagedAsync(this.GetPrimaryKey());
        DeactivateOnIdle();
    }

    private PayloadTooLargeException TooLarge() => new(
        $"The upload is larger than the {options.MaxUploadMegabytes} MB limit; split the data or raise OrleansMl__MaxUploadMegabytes.");
}
