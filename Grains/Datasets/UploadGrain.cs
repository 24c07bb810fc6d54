using Microsoft.Extensions.Options;
using Orleans.Placement;
using OrleansMl.Hosting;
using OrleansMl.Storage;

namespace OrleansMl.Datasets;

/// <summary>
/// Stages one upload in the artifact store chunk by chunk. Placed on the silo that receives it, so in embedded mode
/// the bytes never leave the process. Completing it seals it (no more chunks) and hashes it; the dataset grain then
/// parses the staged bytes and commits them only when it accepts them, so a rejected upload leaves nothing behind.
/// </summary>
[PreferLocalPlacement]
public sealed class UploadGrain(IArtifactStore artifacts, IOptions<OrleansMlOptions> options) : Grain, IUploadGrain
{
    // Memory only: a staged upload lives in the artifact store, and one whose activation is lost is simply sent again.
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
        if (size > options.Value.MaxUploadBytes)
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

        _receipt ??= await artifacts.SealStagedAsync(this.GetPrimaryKey(), cancellationToken);
        DeactivateOnIdle();
        return _receipt;
    }

    public async Task AbortAsync()
    {
        await artifacts.DeleteStagedAsync(this.GetPrimaryKey());
        DeactivateOnIdle();
    }

    private PayloadTooLargeException TooLarge() => new(
        $"The upload is larger than the {options.Value.MaxUploadMegabytes} MB limit; split the data or raise OrleansMl__MaxUploadMegabytes.");
}
