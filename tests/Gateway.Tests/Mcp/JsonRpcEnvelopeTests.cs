using System.Text;
using OrleansMl.Gateway.Mcp;

namespace OrleansMl.Gateway.Tests.Mcp;

public sealed class JsonRpcEnvelopeTests
{
    [Theory]
    [InlineData("{\"a\":1,\"b\":{\"a\":2,\"a\":3},\"c\":[{\"b\":1}]}", null)] // only the message's own members count
    [InlineData("{\"a\":1,\"b\":2,\"a\":3}", "a")]
    [InlineData("{\"a\":{\"x\":[1,{\"y\":2}]},\"b\":\"a\",\"b\":null}", "b")]
    [InlineData("{\"A\":1,\"a\":2}", null)] // names are case-sensitive in JSON-RPC
    [InlineData("[{\"a\":1,\"a\":2}]", null)] // a batch is the SDK's to refuse
    [InlineData("{\"a\":1,\"a\"", null)] // not JSON: the SDK's to refuse
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{},\"id\":2}", "id")]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"\\u006dethod\":\"tools/list\"}", "method")] // escaped, the same name
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{}}", null)]
    [InlineData("", null)]
    [InlineData("\"a\"", null)]
    public void RepeatedMember_IsTheFirstNameTheMessageGivesTwice(string body, string? expected)
    {
        Assert.Equal(expected, JsonRpcEnvelope.RepeatedMember(Encoding.UTF8.GetBytes(body)));
    }
}
