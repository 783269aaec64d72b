namespace Xmpp.Common.Tests;

public class JidTests
{
    [Fact]
    public void Parse_FullJid_SplitsParts_AndFoldsCase()
    {
        var jid = Jid.Parse("Juliet@Example.COM/Balcony Phone");
        Assert.Equal("juliet", jid.Local);
        Assert.Equal("example.com", jid.Domain);
        Assert.Equal("Balcony Phone", jid.Resource);
        Assert.True(jid.IsFull);
        Assert.False(jid.IsBare);
        Assert.Equal("juliet@example.com/Balcony Phone", jid.ToString());
    }

    [Fact]
    public void Parse_BareAndDomainOnly()
    {
        var bare = Jid.Parse("romeo@example.net");
        Assert.Equal("romeo", bare.Local);
        Assert.Null(bare.Resource);
        Assert.True(bare.IsBare);

        var domain = Jid.Parse("example.net");
        Assert.Null(domain.Local);
        Assert.Equal("example.net", domain.Domain);
        Assert.Equal("example.net", domain.ToString());

        var domainResource = Jid.Parse("example.net/res");
        Assert.Null(domainResource.Local);
        Assert.Equal("res", domainResource.Resource);
    }

    [Fact]
    public void Resource_MayContainSlashAndAt()
    {
        var jid = Jid.Parse("a@b.example/c@d/e");
        Assert.Equal("a", jid.Local);
        Assert.Equal("b.example", jid.Domain);
        Assert.Equal("c@d/e", jid.Resource);
    }

    [Fact]
    public void TrailingDotOfDomain_IsDropped()
    {
        Assert.Equal("example.com", Jid.Parse("a@example.com.").Domain);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("@example.com")]
    [InlineData("user@")]
    [InlineData("user@/res")]
    [InlineData("example.com/")]
    [InlineData("a@b@example.com")]
    [InlineData("a b@example.com")]
    [InlineData("a\"b@example.com")]
    [InlineData("a:b@example.com")]
    [InlineData("a<b@example.com")]
    [InlineData("a@exa mple.com")]
    [InlineData("a@example.com/res\u0001")]
    [InlineData(".")]
    public void Invalid_IsRefused(string? text)
    {
        Assert.False(Jid.TryParse(text, out var jid));
        Assert.Null(jid);
        if (text is not null) Assert.Throws<FormatException>(() => Jid.Parse(text));
    }

    [Fact]
    public void LongParts_AreRefused()
    {
        Assert.True(Jid.TryParse(new string('a', 1023) + "@example.com", out _));
        Assert.False(Jid.TryParse(new string('a', 1024) + "@example.com", out _));
        Assert.False(Jid.TryParse("a@example.com/" + new string('\u00e9', 512), out _)); // 1024 UTF-8 bytes
    }

    [Fact]
    public void Bare_WithResource_AndEquality()
    {
        var full = Jid.Parse("Alice@Example.com/phone");
        var bare = full.Bare;
        Assert.Equal("alice@example.com", bare.ToString());
        Assert.True(bare.IsBare);
        Assert.Same(bare, bare.Bare);

        var other = bare.WithResource("laptop");
        Assert.Equal("alice@example.com/laptop", other.ToString());
        Assert.NotEqual(full, other);
        Assert.Equal(full, Jid.Parse("alice@example.com/phone"));
        Assert.True(full == Jid.Parse("ALICE@example.COM/phone"));
        Assert.True(full != Jid.Parse("alice@example.com/Phone")); // resource is case-sensitive
        Assert.Equal(full.GetHashCode(), Jid.Parse("alice@EXAMPLE.com/phone").GetHashCode());
        Assert.Throws<ArgumentException>(() => bare.WithResource(""));
    }
}
