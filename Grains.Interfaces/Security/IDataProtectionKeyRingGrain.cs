using System.Collections.Immutable;
using Orleans.Concurrency;

namespace OrleansMl;

/// <summary>
/// The ASP.NET Core data-protection key ring that every gateway of the cluster shares (one instance, key
/// <see cref="Key"/>): the keys that protect the console's session cookie, its antiforgery tokens, its prerendered
/// component state and the key a user entered, so that any gateway replica, and a gateway after a restart, reads what
/// another one protected. Gateways read it when their key ring is (re)loaded, about once a day, never per request.
/// </summary>
[Alias("OrleansMl.IDataProtectionKeyRingGrain")]
public interface IDataProtectionKeyRingGrain : IGrainWithStringKey
{
    /// <summary>The key of the single key ring.</summary>
    const string Key = "console";

    /// <summary>The most keys kept; beyond it the oldest are dropped (a key is made every 90 days).</summary>
    const int MaxKeys = 200;

    /// <summary>The longest key element accepted, in characters.</summary>
    const int MaxElementLength = 64 * 1024;

    /// <summary>Every stored key element (XML, as the data-protection system wrote it), oldest first.</summary>
    [Alias("GetAll"), ReadOnly]
    Task<ImmutableArray<string>> GetAllAsync();

    /// <summary>Stores one key element under <paramref name="name"/>; storing the same name again replaces nothing and is ignored.</summary>
    /// <exception cref="ArgumentException">The name or the element is empty or too long.</exception>
    [Alias("Add")]
    Task AddAsync(string name, string element);
}
