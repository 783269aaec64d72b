namespace Xmpp.Integration.Tests.Harness;

/// <summary>Where the built processes are: &lt;repo&gt;/&lt;project dir&gt;/bin/&lt;Configuration&gt;/net10.0/&lt;assembly&gt;.dll.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    /// <summary>The folder holding Distributed.sln, found by walking up from the test's output folder.</summary>
    public static string Root => LazyRoot.Value;

    /// <summary>Debug or Release: whichever the test assembly itself was built as.</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar)
            .Contains("Release") ? "Release" : "Debug";

    public static string Router => Dll("router", "xmpp-router");
    public static string Sm => Dll("sm", "xmpp-sm");
    public static string C2s => Dll("c2s", "xmpp-c2s");
    public static string Gateway => Dll("gateway", "xmpp-gateway");
    public static string Upload => Dll("upload", "xmpp-upload");
    public static string PubSub => Dll("pubsub", "xmpp-pubsub");
    public static string Muc => Dll("muc", "xmpp-muc");
    public static string Xmppctl => Dll(Path.Combine("tools", "xmppctl"), "xmppctl");
    public static string InteropScripts => Path.Combine(Root, "tests", "interop");

    public static string Dll(string projectDir, string assembly)
    {
        var path = Path.Combine(Root, projectDir, "bin", Configuration, "net10.0", assembly + ".dll");
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path} is not built; build the integration test project (it references {projectDir})", path);
        return path;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Distributed.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"no Distributed.sln above {AppContext.BaseDirectory}");
    }
}
