namespace Xmpp.Integration.Tests.Harness;

/// <summary>c2s's TLS stacks (C2s:Tls:Stack), for the test classes that run against each.</summary>
public static class TlsStacks
{
    public const string BouncyCastle = "BouncyCastle";
    public const string SslStream = "SslStream";

    /// <summary>C2sOptions' default.</summary>
    public const string Default = BouncyCastle;

    /// <summary>The stack a cluster's c2s run: <paramref name="stack"/>, else XMPP_IT_C2S_TLS_STACK (Cluster.cs), else the default.</summary>
    public static string Effective(string? stack) =>
        stack ?? (Environment.GetEnvironmentVariable("XMPP_IT_C2S_TLS_STACK") is { Length: > 0 } env ? env : Default);

    /// <summary>The c2s argument that selects <paramref name="stack"/>; none for null (the default).</summary>
    public static string[] Args(string? stack) => stack is null ? [] : [$"--C2s:Tls:Stack={stack}"];

    /// <summary>Whether the stack offers tls-exporter (RFC 9266): BouncyCastle does; SslStream cannot (no exporter in .NET).</summary>
    public static bool OffersExporter(string? stack) =>
        string.Equals(Effective(stack), BouncyCastle, StringComparison.OrdinalIgnoreCase);
}
