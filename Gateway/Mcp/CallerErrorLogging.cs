using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ModelContextProtocol;

namespace OrleansMl.Gateway.Mcp;

/// <summary>
/// The MCP SDK logs every exception a request handler throws, invalid params included, at Error ("threw an unhandled
/// exception") and at Warning ("request handler failed"), each with its stack trace: any caller could fill the gateway's
/// error log with mistakes of its own (a bad argument is not a fault of the server). The SDK's loggers (categories
/// <c>ModelContextProtocol.*</c>) write an invalid-params or resource-not-found error at Debug instead, as one line
/// without a stack trace; every other entry, real faults among them, passes unchanged.
/// </summary>
internal sealed class CallerErrorLogging(ILoggerFactory inner) : ILoggerFactory
{
    private const string SdkCategory = "ModelContextProtocol";

    /// <summary>Wraps the host's logger factory (when it is the framework's own) in one that does this.</summary>
    public static void Register(IServiceCollection services)
    {
        if (services.LastOrDefault(d => d.ServiceType == typeof(ILoggerFactory)) is { ImplementationType: { } type } && type == typeof(LoggerFactory))
        {
            services.Replace(ServiceDescriptor.Singleton<ILoggerFactory>(sp => new CallerErrorLogging(new LoggerFactory(
                sp.GetServices<ILoggerProvider>(),
                sp.GetRequiredService<IOptionsMonitor<LoggerFilterOptions>>(),
                sp.GetService<IOptions<LoggerFactoryOptions>>(),
                sp.GetService<IExternalScopeProvider>()))));
        }
    }

    public ILogger CreateLogger(string categoryName)
    {
        var logger = inner.CreateLogger(categoryName);
        return categoryName.StartsWith(SdkCategory, StringComparison.Ordinal) ? new SdkLogger(logger) : logger;
    }

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();

    private sealed class SdkLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (exception is McpProtocolException { ErrorCode: McpErrorCode.InvalidParams or McpErrorCode.ResourceNotFound } caller)
            {
                if (inner.IsEnabled(LogLevel.Debug))
                {
                    var what = caller.ErrorCode == McpErrorCode.InvalidParams ? "Invalid params" : "Resource not found";
                    inner.Log(LogLevel.Debug, eventId, state, null, (s, _) => $"{formatter(s, null)} {what}: {caller.Message}");
                }

                return;
            }

            inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }
}
