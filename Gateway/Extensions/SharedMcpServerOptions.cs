using Microsoft.Extensions.Options;
using ModelContextProtocol.Server;

namespace OrleansMl.Gateway.Extensions;

/// <summary>
/// Builds the MCP server's options once. In stateless mode the SDK asks the options factory for a new instance on every
/// request, which runs every configuration step again: each tool, prompt and resource is added to fresh collections and
/// the filters are wrapped anew, although nothing in them depends on the request. The options here are the same for
/// every request (no per-session configuration is registered), and the server only reads them, so one instance serves
/// all requests.
/// </summary>
internal sealed class SharedMcpServerOptions(
    IEnumerable<IConfigureOptions<McpServerOptions>> setups,
    IEnumerable<IPostConfigureOptions<McpServerOptions>> postConfigures,
    IEnumerable<IValidateOptions<McpServerOptions>> validations) : IOptionsFactory<McpServerOptions>
{
    private readonly OptionsFactory<McpServerOptions> _inner = new(setups, postConfigures, validations);
    private McpServerOptions? _shared;

    public McpServerOptions Create(string name) =>
        name == Options.DefaultName ? LazyInitializer.EnsureInitialized(ref _shared, () => _inner.Create(name)) : _inner.Create(name);
}
