using System.Text.RegularExpressions;

namespace Xmpp.Common.Tests.Guard;

/// <summary>
/// What the repository's sources must not contain (DESIGN.md, Principles: no P/Invoke, no
/// reflection into framework internals, no home-made TLS): one rule per construct, each a regular
/// expression over a file's text, and the scan of the tree that applies them.
/// </summary>
public static class SourceGuard
{
    public sealed record Rule(string Name, Regex Pattern);

    public sealed record Finding(string File, int Line, string Rule, string Text)
    {
        public override string ToString() => $"{File}:{Line}: {Rule}: {Text}";
    }

    private static Rule R(string name, string pattern) => new(name, new Regex(pattern, RegexOptions.Compiled | RegexOptions.Multiline));

    /// <summary>Rules for C# sources.</summary>
    public static readonly Rule[] CSharpRules =
    [
        R("P/Invoke (DllImport)", @"\bDllImport(Attribute)?\s*\("),
        R("P/Invoke (LibraryImport)", @"\bLibraryImport(Attribute)?\s*\("),
        R("native library loading", @"\bNativeLibrary\s*\.\s*(Load|TryLoad|GetExport|TryGetExport)\b"),
        R("unmanaged function pointer", @"delegate\s*\*\s*unmanaged"),
        R("reflection into non-public members", @"\bBindingFlags\s*\.\s*NonPublic\b"),
        R("private member access without reflection", @"\bUnsafeAccessor(Attribute)?\b"),
        // Reaching a framework type by name is how internals are reached (Interop+Ssl, SafeSslHandle,
        // SslStream's private context): Type.GetType / Assembly.GetType with a System./Microsoft. name.
        R("framework type looked up by name", @"\bGetType\s*\(\s*""(System|Microsoft|Interop)[.+]"),
        R("framework internals named", @"\b(SafeSslHandle|SafeSslContextHandle|SafeDeleteSslContext|SafeDeleteContext|Interop\s*\.\s*Ssl|Interop\+Ssl|_securityContext)\b"),
    ];

    /// <summary>Rules for project files: unsafe code is how native calls come back in.</summary>
    public static readonly Rule[] ProjectRules =
    [
        R("unsafe code allowed", @"<AllowUnsafeBlocks>\s*true\s*</AllowUnsafeBlocks>"),
    ];

    /// <summary>The repository root: the first folder above <paramref name="start"/> holding Distributed.sln.</summary>
    public static string FindRepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Distributed.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no Distributed.sln above {start}");
    }

    /// <summary>Source files under <paramref name="root"/> with one of the extensions, outside bin/, obj/ and hidden folders.</summary>
    public static IEnumerable<string> Files(string root, params string[] extensions) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => extensions.Any(e => f.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
            .Where(f => !Path.GetRelativePath(root, f).Split(Path.DirectorySeparatorChar)
                .Any(part => part is "bin" or "obj" || part.StartsWith('.')));

    /// <summary>Every line of <paramref name="text"/> that a rule matches.</summary>
    public static IEnumerable<Finding> Scan(string file, string text, IEnumerable<Rule> rules)
    {
        foreach (var rule in rules)
        {
            foreach (Match m in rule.Pattern.Matches(text))
            {
                var line = 1 + text.AsSpan(0, m.Index).Count('\n');
                var start = text.LastIndexOf('\n', Math.Max(0, m.Index - 1)) + 1;
                var end = text.IndexOf('\n', m.Index);
                yield return new Finding(file, line, rule.Name, text[start..(end < 0 ? text.Length : end)].Trim());
            }
        }
    }
}
