using Google.Protobuf;
using Xmpp.Protos;

namespace Xmpp.Common.Sasl;

/// <summary>SCRAM credentials into the Credentials message an administrator (xmppctl) sends sm; nothing ever reads keys back off the wire.</summary>
public static class WireCredentials
{
    /// <summary>Fresh salted SCRAM-SHA-1 and SCRAM-SHA-256 credentials for a password, ready to send; the password itself never travels.</summary>
    public static Credentials Derive(string password, int iterations = ScramAlgorithm.DefaultIterations) =>
        ToWire(ScramAlgorithm.DeriveAll(password, iterations));

    public static Credentials ToWire(IEnumerable<ScramCredentialData> credentials)
    {
        var wire = new Credentials();
        foreach (var c in credentials)
            wire.Scram.Add(new ScramCredential
            {
                Mechanism = c.Mechanism,
                Salt = ByteString.CopyFrom(c.Salt),
                Iterations = c.Iterations,
                StoredKey = ByteString.CopyFrom(c.StoredKey),
                ServerKey = ByteString.CopyFrom(c.ServerKey),
            });
        return wire;
    }
}
