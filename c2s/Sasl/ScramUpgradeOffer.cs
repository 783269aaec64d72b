using Xmpp.Common.Sasl;

namespace Xmpp.C2s.Sasl;

/// <summary>
/// After a SCRAM login's proof held: the mechanisms whose keys sm would replace at
/// <paramref name="Iterations"/> (XEP-0480 upgrade tasks the client asked for), and the login's
/// proof, which sm checks again before it stores them (SCRAM_UPGRADE).
/// </summary>
public sealed record ScramUpgradeOffer(string User, string ProofMechanism, ScramProof Proof, IReadOnlyList<string> Mechanisms, int Iterations)
{
    /// <summary>The XEP-0480 task name of a SCRAM mechanism: "UPGR-" and the name without -PLUS.</summary>
    public static string TaskOf(string mechanism) => TaskPrefix + mechanism;

    public const string TaskPrefix = "UPGR-";
}
