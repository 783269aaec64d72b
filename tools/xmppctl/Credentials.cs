using Xmpp.Common.Sasl;

namespace Xmpp.Tools.Ctl;

internal static class CredentialsFactory
{
    /// <summary>Salted SCRAM-SHA-1 and SCRAM-SHA-256 credentials, derived here so the password never leaves xmppctl.</summary>
    public static Xmpp.Protos.Credentials Derive(string password, int iterations) => WireCredentials.Derive(password, iterations);
}
