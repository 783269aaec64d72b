using Xmpp.Integration.Tests.Harness;

namespace Xmpp.Integration.Tests.Muc;

/// <summary>Router, sm, two c2s and the group chat service (conference.localhost), shared by the "muc" collection.</summary>
public sealed class MucClusterFixture() : ClusterFixture(new ClusterOptions { Muc = true });

[CollectionDefinition(Name)]
public sealed class MucCollection : ICollectionFixture<MucClusterFixture>
{
    public const string Name = "muc";
}
