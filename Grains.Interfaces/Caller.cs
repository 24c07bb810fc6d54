namespace OrleansMl;

/// <summary>
/// Who is making the current call, carried in the Orleans request context from the gateway (the API key's name or the
/// token's subject) to every grain the call reaches. Grains record it on what they change; null means anonymous.
/// </summary>
public static class Caller
{
    /// <summary>The request-context key that carries the caller's name.</summary>
    public const string ContextKey = "orleansml-caller";

    /// <summary>The caller of the current grain call, or null.</summary>
    public static string? Name => RequestContext.Get(ContextKey) as string;

    /// <summary>Sets the caller for the calls this task makes from now on.</summary>
    public static void Set(string? name)
    {
        if (name is null)
        {
            RequestContext.Remove(ContextKey);
        }
        else
        {
            RequestContext.Set(ContextKey, name);
        }
    }
}
