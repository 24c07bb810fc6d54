using System.Security.Cryptography;
using OrleansMl.Storage.Postgres;

namespace OrleansMl.Tests.Postgres;

public sealed class ResumableSha256Tests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(55)]
    [InlineData(56)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(119)]
    [InlineData(120)]
    [InlineData(1_000_003)]
    public void Hash_MatchesSha256_WhenSavedAndRestoredBetweenRandomPieces(int length)
    {
        var random = new Random(length);
        var content = new byte[length];
        random.NextBytes(content);

        var hash = ResumableSha256.Restore(new ResumableSha256().Export());
        var offset = 0;
        while (offset < length)
        {
            var piece = Math.Min(random.Next(1, 200_000), length - offset);
            hash.Append(content.AsSpan(offset, piece));
            offset += piece;
            hash = ResumableSha256.Restore(hash.Export());
        }

        Assert.Equal(SHA256.HashData(content), hash.GetHash());
        Assert.Equal(length, hash.Length);
    }

    [Fact]
    public void GetHash_LeavesTheRunningStateUntouched()
    {
        var hash = new ResumableSha256();
        hash.Append("abc"u8);
        var before = hash.GetHash();
        hash.Append("def"u8);

        Assert.Equal(SHA256.HashData("abc"u8), before);
        Assert.Equal(SHA256.HashData("abcdef"u8), hash.GetHash());
    }

    [Fact]
    public void Restore_RejectsBytesThatAreNotASavedState()
    {
        var saved = new ResumableSha256().Export();
        saved[^1] = 3; // claims 3 pending bytes that are not there

        Assert.Throws<FormatException>(() => ResumableSha256.Restore(saved));
        Assert.Throws<FormatException>(() => ResumableSha256.Restore(new byte[12]));
    }
}
