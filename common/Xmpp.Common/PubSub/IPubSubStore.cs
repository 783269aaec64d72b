using System.Xml.Linq;

namespace Xmpp.Common.PubSub;

/// <summary>One published item: its id, its single payload element, who published it and when.</summary>
public sealed record PubSubItem(string Id, XElement Payload, string Publisher, DateTimeOffset Published);

/// <summary>
/// Where a pubsub service keeps its nodes, items and affiliations. <c>service</c> names the service
/// (for PEP: the owner's bare JID). Items come newest last. Implemented by sm's PEP module on its
/// tables; by a dictionary in tests.
/// </summary>
public interface IPubSubStore
{
    NodeConfig? GetNode(string service, string node);
    IReadOnlyList<string> Nodes(string service);
    void PutNode(string service, string node, NodeConfig config);

    /// <summary>Removes the node with its items and affiliations; false when there was none.</summary>
    bool DeleteNode(string service, string node);

    /// <summary>Stores the item (replacing one with the same id, which then counts as newest) and keeps only the newest <paramref name="keep"/>.</summary>
    void PutItem(string service, string node, PubSubItem item, int keep);

    /// <summary>The node's items, oldest first: the newest <paramref name="max"/> when given, only the given ids when given.</summary>
    IReadOnlyList<PubSubItem> Items(string service, string node, int? max = null, IReadOnlyCollection<string>? ids = null);

    bool RetractItem(string service, string node, string id);

    /// <summary>How many items the node holds, and whether one of them has <paramref name="id"/>.</summary>
    (int Count, bool HasId) ItemCount(string service, string node, string id);

    /// <summary>Removes every item of the node.</summary>
    void Purge(string service, string node);

    /// <summary>Bytes of the payloads the service holds (for its quota).</summary>
    long PayloadBytes(string service);

    Affiliation GetAffiliation(string service, string node, string jid);
    IReadOnlyDictionary<string, Affiliation> Affiliations(string service, string node);
    void SetAffiliation(string service, string node, string jid, Affiliation affiliation);
}

/// <summary>
/// The limits of a service (configurable where the service is hosted). The last two matter where
/// nodes have owners and subscribers of their own (a service on its own domain).
/// </summary>
public sealed record PubSubLimits(int MaxItemsPerNode = 256, int MaxItemBytes = 262_144, int MaxNodesPerService = 256, long MaxBytesPerService = 16_777_216,
    int MaxNodesPerOwner = 256, int MaxSubscriptionsPerNode = 10_000);
