namespace OrleansMl.Gateway.Security;

/// <summary>A set of <see cref="Scopes"/> as bits, so a scope check is one AND.</summary>
[Flags]
internal enum ScopeSet
{
    None = 0,
    Read = 1,
    Predict = 2,
    Train = 4,
    Deploy = 8,
    Admin = 16,
}

internal static class ScopeSets
{
    public const ScopeSet All = ScopeSet.Read | ScopeSet.Predict | ScopeSet.Train | ScopeSet.Deploy | ScopeSet.Admin;

    /// <summary>Admin holds every scope; otherwise the scope itself is needed.</summary>
    public static bool Allows(this ScopeSet held, ScopeSet required) =>
        (held & ScopeSet.Admin) != 0 || (held & required) == required;

    public static ScopeSet Parse(string scope) => scope switch
    {
        Scopes.Read => ScopeSet.Read,
        Scopes.Predict => ScopeSet.Predict,
        Scopes.Train => ScopeSet.Train,
        Scopes.Deploy => ScopeSet.Deploy,
        Scopes.Admin => ScopeSet.Admin,
        _ => ScopeSet.None,
    };

    public static ScopeSet Parse(IEnumerable<string> scopes) => scopes.Aggregate(ScopeSet.None, (set, s) => set | Parse(s));

    /// <summary>The scope names in the set, in the order of <see cref="Scopes.All"/>.</summary>
    public static IEnumerable<string> Names(this ScopeSet set) => Scopes.All.Where(s => (set & Parse(s)) != 0);

    public static string Describe(this ScopeSet set) => set == ScopeSet.None ? "no scopes" : string.Join(", ", set.Names());
}
