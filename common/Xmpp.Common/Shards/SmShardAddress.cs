namespace Xmpp.Common.Shards;

/// <summary>
/// Router addresses of a domain's session managers. One sm binds "sm/&lt;domain&gt;"; a shard binds
/// "sm/&lt;domain&gt;#&lt;shard&gt;" (protos/router.proto, "sm shards"), and frames for "sm/&lt;domain&gt;" go
/// to the shard that owns the frame's bare JID.
/// </summary>
public static class SmShardAddress
{
    public const string Prefix = "sm/";
    public const char Separator = '#';

    /// <summary>"sm/&lt;domain&gt;" without a shard name, "sm/&lt;domain&gt;#&lt;shard&gt;" with one.</summary>
    public static string Of(string domain, string? shard) =>
        string.IsNullOrEmpty(shard) ? Prefix + domain : Prefix + domain + Separator + shard;

    /// <summary>Whether <paramref name="address"/> is a shard address; its domain address ("sm/&lt;domain&gt;") and shard name.</summary>
    public static bool TryParse(string address, out string domainAddress, out string shard)
    {
        domainAddress = shard = "";
        if (!address.StartsWith(Prefix, StringComparison.Ordinal)) return false;
        var hash = address.IndexOf(Separator, Prefix.Length);
        if (hash <= Prefix.Length || hash == address.Length - 1) return false;
        domainAddress = address[..hash];
        shard = address[(hash + 1)..];
        return true;
    }

    /// <summary>The domain address of a shard address, or the address itself.</summary>
    public static string DomainAddressOf(string address) => TryParse(address, out var domain, out _) ? domain : address;

    /// <summary>A shard name as configured: letters, digits, '-', '_' and '.', at most 63 characters (a pod hostname fits).</summary>
    public static bool IsValidName(string shard) =>
        shard.Length is > 0 and <= 63 && shard.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
