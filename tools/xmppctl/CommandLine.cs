using System.Text;
using Xmpp.Tools.Ctl.Commands;

namespace Xmpp.Tools.Ctl;

/// <summary>The parsed command line: global options, then a command and its arguments.</summary>
internal sealed record CommandLine(string RouterAddress, string? Domain, string? Command, IReadOnlyList<string> Arguments, bool Help, string? Error)
{
    public const string DefaultRouter = "http://127.0.0.1:5347";

    /// <summary>
    /// Global options come before the command: --router URL (also --router=URL, or --Router:Address=URL
    /// like the servers), --domain D, -h/--help. Without --router: $XMPPCTL_ROUTER, then $Router__Address.
    /// </summary>
    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var router = FirstSet(Environment.GetEnvironmentVariable("XMPPCTL_ROUTER"), Environment.GetEnvironmentVariable("Router__Address")) ?? DefaultRouter;
        string? domain = null;
        var i = 0;
        for (; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "-h" or "--help") return new(router, domain, null, [], true, null);
            if (!arg.StartsWith("--", StringComparison.Ordinal)) break;

            var eq = arg.IndexOf('=');
            var name = eq < 0 ? arg : arg[..eq];
            string? value = eq < 0 ? null : arg[(eq + 1)..];
            if (value is null)
            {
                if (i + 1 >= args.Count) return Fail($"option {name} needs a value");
                value = args[++i];
            }
            switch (name)
            {
                case "--router" or "--Router:Address": router = value; break;
                case "--domain": domain = value; break;
                default: return Fail($"unknown option {name}");
            }
        }
        if (!Uri.TryCreate(router, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
            return Fail($"--router must be an http(s) URL, got '{router}'");
        if (i >= args.Count) return new(router, domain, null, [], false, null);
        return new(router, domain, args[i], args.Skip(i + 1).ToArray(), false, null);

        CommandLine Fail(string error) => new(router, domain, null, [], false, error);
    }

    private static string? FirstSet(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrEmpty(v));

    public static string Usage(IEnumerable<ICommand> commands)
    {
        var sb = new StringBuilder();
        sb.AppendLine("usage: xmppctl [--router URL] [--domain D] <command> [args]");
        sb.AppendLine($"  --router URL   the router's gRPC address (default $XMPPCTL_ROUTER, $Router__Address or {DefaultRouter})");
        sb.AppendLine("  --domain D     the domain whose session manager is asked (default: the JID's domain, else localhost)");
        sb.AppendLine("commands:");
        foreach (var c in commands)
            sb.AppendLine($"  {(c.Name + " " + c.Arguments),-32} {c.Description}");
        sb.Append("A password given as '-' is read from the first line of stdin.");
        return sb.ToString();
    }
}
