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
    public void AMemberOfTheMessageGivenTwice_IsAnInvalidRequestNamingIt(string body, string? expected)
    {
        var refusal = JsonRpcEnvelope.Check(Encoding.UTF8.GetBytes(body));
        if (expected is null)
        {
            Assert.Null(refusal);
            return;
        }

        Assert.NotNull(refusal);
        Assert.Equal((400, -32600, null), (refusal.Status, refusal.Code, refusal.RawId));
        Assert.Equal($"The JSON-RPC message names '{expected}' twice; send each name once.", refusal.Message);
    }

    [Theory]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"list_models\",\"name\":\"predict\"}}", "params of tools/call names 'name' twice", "7")]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":\"a-1\",\"method\":\"tools/call\",\"params\":{\"name\":\"list_models\",\"_meta\":{\"a\":1,\"a\":2}}}", "params._meta of tools/call names 'a' twice", "\"a-1\"")]
    [InlineData("{\"jsonrpc\":\"2.0\",\"method\":\"tools/call\",\"params\":{\"_meta\":{\"progressToken\":1,\"progressToken\":2}},\"id\":3}", "params._meta of tools/call names 'progressToken' twice", null)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"x\":{\"y\":1},\"z\":2,\"x\":3}}", "params of tools/call names 'x' twice", "1")]
    public void ANameGivenTwiceInParamsOrItsMeta_IsInvalidParams_AnsweringTheCall(string body, string expected, string? id)
    {
        var refusal = JsonRpcEnvelope.Check(Encoding.UTF8.GetBytes(body));
        Assert.NotNull(refusal);
        Assert.Equal((200, -32602, id), (refusal.Status, refusal.Code, refusal.RawId));
        Assert.StartsWith(expected, refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NamesGivenTwiceDeeperInsideParams_AreLeftToTheParamsFilter()
    {
        Assert.Null(JsonRpcEnvelope.Check(Encoding.UTF8.GetBytes(
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"predict\",\"arguments\":{\"model\":\"m\",\"model\":\"n\"},\"_meta\":{\"progressToken\":1}}}")));
    }

    [Theory]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"describe_dataset\",\"arguments\":{\"name\":\"\\udcff\"}}}", "The string at $.params.arguments.name is not valid Unicode text")]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"predict\",\"arguments\":{\"rows\":[{\"a\":1},{\"\\ud800x\":2}]}}}", "The name of a member of $.params.arguments.rows[1] is not valid Unicode text")]
    [InlineData("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\\udc00\"}]", "The string at $[0].method is not valid Unicode text")]
    public void AStringThatIsNotText_IsAParseErrorNamingWhereItIs(string body, string expected)
    {
        var refusal = JsonRpcEnvelope.Check(Encoding.UTF8.GetBytes(body));
        Assert.NotNull(refusal);
        Assert.Equal((400, -32700), (refusal.Status, refusal.Code));
        Assert.StartsWith(expected, refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BytesThatAreNotUtf8_AreAParseErrorNamingTheString_WhileAPairedSurrogateEscapeIsText()
    {
        byte[] body = [.. "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\""u8, 0xFF, .. "\"}}"u8];
        var refusal = JsonRpcEnvelope.Check(body);
        Assert.NotNull(refusal);
        Assert.StartsWith("The string at $.params.name is not valid Unicode text", refusal.Message, StringComparison.Ordinal);

        Assert.Null(JsonRpcEnvelope.Check(Encoding.UTF8.GetBytes(
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"x\",\"arguments\":{\"a\":\"\\ud83d\\ude00 é\"}}}")));
    }
}
