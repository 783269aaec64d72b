using System.Text;
using Xmpp.Tools.Ctl.Commands;

namespace Xmpp.Tools.Ctl;

/// <summary>The parsed command line: global options, then a command and its arguments.</summary>
internal sealed record CommandLine(string RouterAddress, string? Domain, string? Command, IReadOnlyList<string> Arguments, bool Help, string? Error)
{
    public const string DefaultRouter = "https://127.0.0.1:5347";

    /// <summary>PBKDF2 iteration count of the keys adduser and passwd derive (--iterations; keep it equal to sm's Sm:ScramIterations).</summary>
    public int Iterations { get; init; } = Xmpp.Common.Sasl.ScramAlgorithm.DefaultIterations;

    /// <summary>The certificate options (--pki, --ca, --cert, --key); resolved by <see cref="CtlCertificates"/>.</summary>
    public CtlCertificates Certificates { get; init; } = new(null, null, null, null);

    /// <summary>
    /// Global options come before the command: --router URL (also --router=URL, or --Router:Address=URL
    /// like the servers), --domain D, -h/--help. Without --router: $XMPPCTL_ROUTER, then $Router__Address.
    /// </summary>
    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var router = FirstSet(Environment.GetEnvironmentVariable("XMPPCTL_ROUTER"), Environment.GetEnvironmentVariable("Router__Address")) ?? DefaultRouter;
        string? domain = null;
        string? pki = null, ca = null, cert = null, key = null;
        var iterations = Xmpp.Common.Sasl.ScramAlgorithm.DefaultIterations;
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
                case "--pki": pki = value; break;
                case "--ca" or "--Router:CaCertificate": ca = value; break;
                case "--cert" or "--Router:Certificate": cert = value; break;
                case "--key" or "--Router:CertificateKey": key = value; break;
                case "--iterations":
                    if (!int.TryParse(value, out iterations) || iterations < Xmpp.Common.Sasl.ScramAlgorithm.DefaultIterations)
                        return Fail($"--iterations must be a whole number of at least {Xmpp.Common.Sasl.ScramAlgorithm.DefaultIterations} (RFC 7677), got '{value}'");
                    break;
                default: return Fail($"unknown option {name}");
            }
        }
        if (!Uri.TryCreate(router, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
            return Fail($"--router must be an http(s) URL, got '{router}'");
        var certificates = new CtlCertificates(pki, ca, cert, key);
        if (i >= args.Count) return new(router, domain, null, [], false, null) { Certificates = certificates, Iterations = iterations };
        return new(router, domain, args[i], args.Skip(i + 1).ToArray(), false, null) { Certificates = certificates, Iterations = iterations };

        CommandLine Fail(string error) => new(router, domain, null, [], false, error);
    }

    private static string? FirstSet(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrEmpty(v));

    public static string Usage(IEnumerable<ICommand> commands)
    {
        var sb = new StringBuilder();
        sb.AppendLine("usage: xmppctl [--router URL] [--domain D] [--pki DIR | --ca F --cert F [--key F]] <command> [args]");
        sb.AppendLine($"  --router URL   the router's gRPC address (default $XMPPCTL_ROUTER, $Router__Address or {DefaultRouter})");
        sb.AppendLine("  --domain D     the domain whose session manager is asked (default: the JID's domain, else localhost)");
        sb.AppendLine("  --iterations N PBKDF2 iterations of the keys adduser and passwd derive (default 4096; keep it equal to sm's Sm:ScramIterations)");
        sb.AppendLine("  --pki DIR      the admin certificate and CA from `xmppctl pki init`: DIR/admin-xmppctl.crt, .key, DIR/ca.crt");
        sb.AppendLine($"                 (default $XMPPCTL_PKI, else $Router__CaCertificate/$Router__Certificate/$Router__CertificateKey, else {CtlCertificates.DefaultPkiDirectory})");
        sb.AppendLine("  --ca F --cert F [--key F]   the same as single PEM files (key default: the certificate's path with .key)");
        sb.AppendLine("commands:");
        foreach (var c in commands)
            sb.AppendLine($"  {(c.Name + " " + c.Arguments),-32} {c.Description}");
        sb.Append("A password given as '-' is read from the first line of stdin.");
        return sb.ToString();
    }
}
