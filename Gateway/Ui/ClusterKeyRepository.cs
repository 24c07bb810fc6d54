using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace OrleansMl.Gateway.Ui;

/// <summary>
/// Keeps the gateway's data-protection keys in the cluster (<see cref="IDataProtectionKeyRingGrain"/>), so every gateway
/// replica and every restart uses the same key ring: a console cookie, an antiforgery token, a prerendered page's
/// component descriptor or a key stored in the browser tab, protected by one gateway, is read by any other. The
/// data-protection system calls this only when it loads or rotates its key ring, never per request; the interface is
/// synchronous, so the grain call is waited on there.
/// </summary>
public sealed class ClusterKeyRepository(IGrainFactory grains) : IXmlRepository
{
    private IDataProtectionKeyRingGrain Ring => grains.GetGrain<IDataProtectionKeyRingGrain>(IDataProtectionKeyRingGrain.Key);

    public IReadOnlyCollection<XElement> GetAllElements() =>
        [.. Ring.GetAllAsync().WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult().Select(x => XElement.Parse(x))];

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        Ring.AddAsync(friendlyName, element.ToString(SaveOptions.DisableFormatting)).WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
    }
}
