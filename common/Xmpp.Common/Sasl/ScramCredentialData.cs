namespace Xmpp.Common.Sasl;

/// <summary>What a server stores for one SCRAM mechanism (RFC 5802 §3): never the password.</summary>
public sealed record ScramCredentialData(string Mechanism, byte[] Salt, int Iterations, byte[] StoredKey, byte[] ServerKey);
