using OrleansMl.Gateway.Api;

namespace OrleansMl.Gateway.Ui;

/// <summary>
/// One console user (one prerendered page, then one circuit): the credential they entered, who the API says they are,
/// and the Host their browser used, which the console's own API calls repeat so host filtering treats them alike.
/// </summary>
public sealed class ConsoleSession
{
    /// <summary>The API key or token the user entered; null while none was given.</summary>
    public string? ApiKey { get; private set; }

    /// <summary>The caller as <c>GET /api/me</c> described it; null until known.</summary>
    public CallerInfo? Caller { get; private set; }

    /// <summary>True when the API refused the calls without (or with the given) credential: the console asks for a key.</summary>
    public bool CredentialNeeded { get; private set; }

    /// <summary>Why the last credential was refused, as the API said it.</summary>
    public string? Refusal { get; private set; }

    /// <summary>True when the credential is the access token of an OpenID Connect sign-in (the console cookie holds it).</summary>
    public bool SignedInWithProvider { get; private set; }

    /// <summary>The signed-in user's name as the identity provider gave it; null for keys.</summary>
    public string? UserName { get; private set; }

    /// <summary>The Host header of the page request.</summary>
    public string? Host { get; set; }

    private int _attempts;

    /// <summary>
    /// How many sign-ins have started in this session. An answer to a call made before the latest one started speaks of
    /// a credential the user has since replaced: it must neither sign them in nor out.
    /// </summary>
    public int Attempts => Volatile.Read(ref _attempts);

    /// <summary>Raised when the credential or the caller changes, so pages read again.</summary>
    public event Action? Changed;

    public bool Can(string scope) => Caller?.Allows(scope) == true;

    /// <summary>Starts a sign-in; returns its number (see <see cref="Attempts"/>).</summary>
    public int BeginSignIn() => Interlocked.Increment(ref _attempts);

    public void SignedIn(string? apiKey, CallerInfo caller, string? userName = null)
    {
        ApiKey = apiKey;
        Caller = caller;
        SignedInWithProvider = userName is not null;
        UserName = userName;
        CredentialNeeded = false;
        Refusal = null;
        Changed?.Invoke();
    }

    public void Refused(string? reason)
    {
        ApiKey = null;
        Caller = null;
        SignedInWithProvider = false;
        UserName = null;
        CredentialNeeded = true;
        Refusal = reason;
        Changed?.Invoke();
    }
}
