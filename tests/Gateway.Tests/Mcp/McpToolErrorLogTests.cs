using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace OrleansMl.Gateway.Tests.Mcp;

/// <summary>
/// A caller's mistakes are answered, not logged as the server's errors: tool errors (unknown model, invalid row) come
/// back as results with <c>isError</c>, and nothing is written to the log at Error level for them.
/// </summary>
public sealed class McpToolErrorLogTests : IAsyncLifetime, IDisposable
{
    private readonly LogRecorder _log = new();
    private readonly GatewayFactory _factory;

    public McpToolErrorLogTests()
    {
        _factory = new GatewayFactory { TestServices = services => services.AddSingleton<ILoggerProvider>(_log) };
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task ToolErrors_AreResults_AndLeaveNoErrorInTheLog()
    {
        await using var client = await _factory.ConnectMcpAsync();

        var model = await client.CallToolErrorAsync("describe_model", new { model = "nobody-trained-this" });
        var predict = await client.CallToolErrorAsync("predict", new { model = "nobody-trained-this", rows = new[] { new { x1 = 1 } } });

        Assert.Contains("list_models", model, StringComparison.Ordinal);
        Assert.Contains("does not exist", predict, StringComparison.Ordinal);
        Assert.DoesNotContain(_log.Entries, e => e.Level >= LogLevel.Error);
    }

    private sealed class LogRecorder : ILoggerProvider
    {
        public ConcurrentQueue<(string Category, LogLevel Level, string Message)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(LogRecorder recorder, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                recorder.Entries.Enqueue((category, logLevel, formatter(state, exception)));
        }
    }
}
