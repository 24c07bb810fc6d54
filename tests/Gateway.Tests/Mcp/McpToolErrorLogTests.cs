using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;

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

    [Fact]
    public async Task InvalidParams_AreAnswered_AndLeaveNoWarningOrErrorInTheLog()
    {
        await using var client = await _factory.ConnectMcpAsync();

        var kind = await client.CallInvalidParamsAsync("define_feature_set", new { set = "s", key = "k", ttl = "01:00:00", values = new[] { new { name = "v", kind = "bogus" } } });
        var unknown = await client.CallInvalidParamsAsync("describe_model", new { model = "m", modelName = "m" });
        var rows = await client.CallInvalidParamsAsync("describe_dataset", new { name = "d", sampleRows = 11 });

        Assert.Contains("values[0].kind must be one of", kind, StringComparison.Ordinal);
        Assert.Contains("Unknown argument 'modelName'", unknown, StringComparison.Ordinal);
        Assert.Contains("sampleRows must be from 0 to 10", rows, StringComparison.Ordinal);
        Assert.DoesNotContain(_log.Entries, e => e.Level >= LogLevel.Warning && e.Category.StartsWith("ModelContextProtocol", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MissingResources_AreAnswered_AndLeaveNoWarningOrErrorInTheLog()
    {
        await using var client = await _factory.ConnectMcpAsync();

        foreach (var uri in new[] { "model://nobody-has-this", "dataset://nobody-has-this", "model://nobody-has-this/versions/2", "foo://bar" })
        {
            var error = await Assert.ThrowsAsync<McpProtocolException>(() => client.ReadResourceAsync(uri).AsTask());
            Assert.True(error.ErrorCode is McpErrorCode.ResourceNotFound or McpErrorCode.InvalidParams, $"{uri}: {error.ErrorCode} {error.Message}");
        }

        Assert.DoesNotContain(_log.Entries, e => e.Level >= LogLevel.Warning && e.Category.StartsWith("ModelContextProtocol", StringComparison.Ordinal));
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
