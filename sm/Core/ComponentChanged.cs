namespace Xmpp.Sm.Core;

/// <summary>The router told sm that a component bound (<paramref name="Up"/>) or lost its link: "c2s/c2s-1", "muc/conference.example.org", ...</summary>
public sealed record ComponentChanged(string Address, bool Up);
