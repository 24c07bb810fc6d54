using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using OrleansMl.Gateway.Extensions;

namespace OrleansMl.Gateway.Tests.Mcp;

/// <summary>How /mcp writes its answers: a quick one in one write with its length, a long one streamed as it comes.</summary>
[Collection(GatewayCollection.Name)]
public sealed class McpResponseWriteTests(GatewayFactory factory)
{
    private static readonly byte[] One = "event: message\ndata: {\"id\":1}\n\n"u8.ToArray();
    private static readonly byte[] Two = "event: message\ndata: {\"id\":2}\n\n"u8.ToArray();

    [Fact]
    public async Task AQuickToolCall_IsAnsweredWithItsLength_AsOneServerSentEvent()
    {
        using var http = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"list_datasets","arguments":{}}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");

        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(body.Length, response.Content.Headers.ContentLength);
        var text = Encoding.UTF8.GetString(body);
        Assert.StartsWith("event: message", text, StringComparison.Ordinal);
        Assert.Contains("\"id\":7", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WritesWithinTheWindow_LeaveTogetherWhenTheRequestEnds()
    {
        var (context, sent) = Context();

        await CoalescedResponseStream.RunAsync(context, async c =>
        {
            await c.Response.Body.FlushAsync();
            await c.Response.Body.WriteAsync(One);
            await c.Response.Body.FlushAsync();
            Assert.Equal(0, sent.Length);
        });

        Assert.Equal(One, sent.ToArray());
        Assert.Equal(One.Length, context.Response.ContentLength);
        Assert.Same(sent, context.Response.Body);
    }

    [Fact]
    public async Task AfterTheWindow_WhatWasHeldIsSent_AndLaterWritesStreamStraightThrough()
    {
        var (context, sent) = Context();

        await CoalescedResponseStream.RunAsync(context, async c =>
        {
            await c.Response.Body.WriteAsync(One);
            await c.Response.Body.FlushAsync();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (sent.Flushes == 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(CoalescedResponseStream.Window);
            }

            Assert.Equal(One, sent.ToArray());
            await c.Response.Body.WriteAsync(Two);
            Assert.Equal(One.Concat(Two).ToArray(), sent.ToArray());
        });

        Assert.Null(context.Response.ContentLength);
    }

    private static (DefaultHttpContext Context, FlushCountingStream Sent) Context()
    {
        var context = new DefaultHttpContext();
        var sent = new FlushCountingStream();
        context.Response.Body = sent;
        return (context, sent);
    }

    /// <summary>A response body that records what reaches it and how often it is flushed.</summary>
    private sealed class FlushCountingStream : MemoryStream
    {
        private int _flushes;

        public int Flushes => Volatile.Read(ref _flushes);

        public override Task FlushAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _flushes);
            return Task.CompletedTask;
        }
    }
}
