namespace Xmpp.Common.Sasl;

/// <summary>What a SCRAM client proved: RFC 5802's AuthMessage and its ClientProof, for the holder of the keys to verify.</summary>
public sealed record ScramProof(string AuthMessage, byte[] ClientProof);
