namespace Xmpp.Common.Tests.Guard;

/// <summary>
/// The tree stays free of P/Invoke, unsafe code and reflection into framework internals: every
/// .cs file of the repository (outside bin/obj; the guard's own two files, which spell the
/// patterns, are the only exception) and every project file is scanned.
/// </summary>
public sealed class SourceGuardTests
{
    private static readonly string Root = SourceGuard.FindRepositoryRoot(AppContext.BaseDirectory);

    private static bool IsGuardItself(string file) =>
        Path.GetRelativePath(Root, file).Replace('\\', '/') is
            "tests/Xmpp.Common.Tests/Guard/SourceGuard.cs" or "tests/Xmpp.Common.Tests/Guard/SourceGuardTests.cs";

    [Fact]
    public void No_cs_file_uses_pinvoke_unsafe_native_calls_or_reflection_into_framework_internals()
    {
        var files = SourceGuard.Files(Root, ".cs").Where(f => !IsGuardItself(f)).ToList();
        // The scan sees the real tree (not an empty folder): the processes' entry points are among the files.
        Assert.Contains(files, f => f.EndsWith(Path.Combine("c2s", "Program.cs"), StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith(Path.Combine("router", "Program.cs"), StringComparison.Ordinal));
        Assert.True(files.Count > 100, $"only {files.Count} .cs files found under {Root}");

        var findings = files.SelectMany(f => SourceGuard.Scan(Path.GetRelativePath(Root, f), File.ReadAllText(f), SourceGuard.CSharpRules)).ToList();
        Assert.True(findings.Count == 0, "forbidden constructs:\n" + string.Join('\n', findings));
    }

    [Fact]
    public void No_project_allows_unsafe_code()
    {
        var files = SourceGuard.Files(Root, ".csproj", ".props", ".targets").ToList();
        Assert.Contains(files, f => f.EndsWith("Directory.Build.props", StringComparison.Ordinal));
        var findings = files.SelectMany(f => SourceGuard.Scan(Path.GetRelativePath(Root, f), File.ReadAllText(f), SourceGuard.ProjectRules)).ToList();
        Assert.True(findings.Count == 0, "forbidden settings:\n" + string.Join('\n', findings));
    }

    // The rules themselves: each construct the removed code used is caught (so the scan above cannot pass by matching nothing).
    [Theory]
    [InlineData("[DllImport(\"libc.so.6\", ExactSpelling = true)]", "P/Invoke (DllImport)")]
    [InlineData("[LibraryImport(\"libssl.so.3\")] private static partial int SSL_set_mode(nint ssl, long mode);", "P/Invoke (LibraryImport)")]
    [InlineData("var lib = NativeLibrary.Load(\"libssl.so.3\");", "native library loading")]
    [InlineData("var f = (delegate* unmanaged<nint, long, long>)ptr;", "unmanaged function pointer")]
    [InlineData("typeof(SslStream).GetField(\"_securityContext\", BindingFlags.Instance | BindingFlags.NonPublic)", "reflection into non-public members")]
    [InlineData("[UnsafeAccessor(UnsafeAccessorKind.Field, Name = \"_context\")]", "private member access without reflection")]
    [InlineData("var t = typeof(SslStream).Assembly.GetType(\"Interop+Ssl\");", "framework type looked up by name")]
    [InlineData("var t = Type.GetType(\"System.Net.Security.SafeDeleteSslContext, System.Net.Security\");", "framework type looked up by name")]
    [InlineData("if (context is SafeDeleteSslContext ssl) return ssl.SslContext;", "framework internals named")]
    public void Each_rule_catches_its_construct(string line, string rule)
    {
        var findings = SourceGuard.Scan("sample.cs", "class C\n{\n    " + line + "\n}\n", SourceGuard.CSharpRules).ToList();
        Assert.Contains(findings, f => f.Rule == rule && f.Line == 3);
    }

    [Fact]
    public void Ordinary_code_passes()
    {
        const string code = """
            using System.Net.Security;
            var tls = new SslStream(stream, leaveInnerStreamOpen: true);
            var name = obj.GetType().Name; // GetType() of an object is fine
            var p = typeof(MyOptions).GetProperty("Port");
            """;
        Assert.Empty(SourceGuard.Scan("ok.cs", code, SourceGuard.CSharpRules));
    }

    [Fact]
    public void Unsafe_blocks_in_a_project_are_caught()
    {
        var findings = SourceGuard.Scan("x.csproj", "<PropertyGroup>\n  <AllowUnsafeBlocks>true</AllowUnsafeBlocks>\n</PropertyGroup>", SourceGuard.ProjectRules);
        Assert.Single(findings);
    }
}
