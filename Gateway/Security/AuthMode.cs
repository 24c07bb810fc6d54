namespace OrleansMl.Gateway.Security;

/// <summary>How the gateway treats callers without credentials (<c>OrleansMl__Auth__Mode</c>).</summary>
public enum AuthMode
{
    /// <summary>
    /// Credentials are required once an admin key or OIDC is configured; until then only callers on this machine are
    /// served, and the gateway refuses to listen beyond it.
    /// </summary>
    Secure,

    /// <summary>Every caller may do everything without credentials (credentials that are sent are still checked).</summary>
    Open,
}
