namespace Xmpp.Common.Pki;

/// <summary>
/// Where `xmppctl pki init` puts the files in its directory: ca.crt / ca.key, router.crt /
/// router.key (server), and per component &lt;role&gt;-&lt;name&gt;.crt / .key: c2s-c2s-1,
/// sm-localhost, admin-xmppctl. Each *.key is the private key of the *.crt beside it (0600).
/// </summary>
public sealed record PkiLayout(string Directory)
{
    public const string AdminName = "xmppctl";

    public string CaCertificate => Path.Combine(Directory, "ca.crt");
    public string CaKey => Path.Combine(Directory, "ca.key");
    public string RouterCertificate => Path.Combine(Directory, "router.crt");
    public string RouterKey => Path.Combine(Directory, "router.key");

    public string CertificateOf(ComponentIdentity identity) => Path.Combine(Directory, $"{identity.Role.Name()}-{identity.Name}.crt");
    public string KeyOf(ComponentIdentity identity) => PemFiles.DefaultKeyPath(CertificateOf(identity));

    public static ComponentIdentity C2s(string instanceId) => new(ComponentRole.C2s, instanceId);
    public static ComponentIdentity Sm(string domain) => new(ComponentRole.Sm, domain);
    public static ComponentIdentity Admin(string name = AdminName) => new(ComponentRole.Admin, name);
    /// <summary>A service on its own domain: component/conference.localhost (file component-conference.localhost.crt).</summary>
    public static ComponentIdentity Component(string domain) => new(ComponentRole.Component, domain);

    public string AdminCertificate => CertificateOf(Admin());
    public string AdminKey => KeyOf(Admin());
}
