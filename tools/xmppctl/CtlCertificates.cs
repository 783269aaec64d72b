using Xmpp.Common.Link;
using Xmpp.Common.Pki;

namespace Xmpp.Tools.Ctl;

/// <summary>
/// Which certificate xmppctl presents to the router (it needs the admin identity) and which CA it
/// trusts. In order: --ca/--cert/--key; --pki DIR or $XMPPCTL_PKI (the files `pki init` writes);
/// $Router__CaCertificate, $Router__Certificate, $Router__CertificateKey (as the servers read them);
/// ./data/pki (where tools/run-local.sh keeps them) when it holds an admin certificate.
/// </summary>
internal sealed record CtlCertificates(string? Pki, string? Ca, string? Cert, string? Key)
{
    public const string DefaultPkiDirectory = "data/pki";

    /// <summary>Router link options with the certificate settings filled in (possibly incomplete: the link then refuses with a message).</summary>
    public RouterLinkOptions LinkOptions(string routerAddress)
    {
        var options = new RouterLinkOptions { Address = routerAddress };
        var pki = Pki ?? Env("XMPPCTL_PKI");
        if (Ca is not null || Cert is not null)
        {
            (options.CaCertificate, options.Certificate, options.CertificateKey) = (Ca, Cert, Key);
            if (pki is not null) // --pki fills in what was not given singly
            {
                var layout = new PkiLayout(pki);
                options.CaCertificate ??= layout.CaCertificate;
                options.Certificate ??= layout.AdminCertificate;
            }
        }
        else if (pki is not null) Fill(options, new PkiLayout(pki));
        else if (Env("Router__Certificate") is { } certificate)
            (options.CaCertificate, options.Certificate, options.CertificateKey) = (Env("Router__CaCertificate"), certificate, Env("Router__CertificateKey"));
        else if (File.Exists(new PkiLayout(DefaultPkiDirectory).AdminCertificate)) Fill(options, new PkiLayout(DefaultPkiDirectory));
        return options;
    }

    private static void Fill(RouterLinkOptions options, PkiLayout layout)
    {
        options.CaCertificate = layout.CaCertificate;
        options.Certificate = layout.AdminCertificate;
        options.CertificateKey = layout.AdminKey;
    }

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
}
