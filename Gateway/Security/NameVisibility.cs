namespace OrleansMl.Gateway.Security;

/// <summary>
/// Listings show only the names the current request's caller may use: a key limited to <c>fraud-*</c> lists only those
/// models and datasets. Set per request for callers with name patterns only, so everyone else pays nothing.
/// </summary>
public static class NameVisibility
{
    private static readonly AsyncLocal<CallerAccess?> Limited = new();

    /// <summary>True when the current caller may see <paramref name="name"/>.</summary>
    public static bool IsVisible(string name) => Limited.Value is not { } access || access.MayAccess(name);

    /// <summary>Refuses <paramref name="name"/> when the current caller may not use it (the same rule as the routes' <c>{name}</c> and <c>{set}</c>).</summary>
    /// <exception cref="NameAccessDeniedException">The caller's name patterns do not cover it.</exception>
    public static void Demand(string name)
    {
        if (Limited.Value is { } access && !access.MayAccess(name))
        {
            throw new NameAccessDeniedException(access.NameRefusal(name));
        }
    }

    internal static void Limit(CallerAccess access) => Limited.Value = access;
}
