using Google.Protobuf;
using Xmpp.Common.Sasl;
using Xmpp.Protos;

namespace Xmpp.Tools.Ctl;

internal static class CredentialsFactory
{
    /// <summary>Salted SCRAM-SHA-1 and SCRAM-SHA-256 credentials, derived here so the password never leaves xmppctl.</summary>
    public static Xmpp.Protos.Credentials Derive(string password)
    {
        var credentials = new Xmpp.Protos.Credentials();
        foreach (var algorithm in new[] { ScramAlgorithm.Sha1, ScramAlgorithm.Sha256 })
        {
            var data = algorithm.Derive(password);
            credentials.Scram.Add(new ScramCredential
            {
                Mechanism = data.Mechanism,
                Salt = ByteString.CopyFrom(data.Salt),
                Iterations = data.Iterations,
                StoredKey = ByteString.CopyFrom(data.StoredKey),
                ServerKey = ByteString.CopyFrom(data.ServerKey),
            });
        }
        return credentials;
    }
}
