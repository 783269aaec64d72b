using System.Xml.Linq;

namespace Xmpp.Common.Components;

/// <summary>
/// The protocol logic of a service on its own domain (MUC, pubsub, upload): it is handed every
/// stanza addressed to its domain or its JIDs, one at a time and in the order the router delivered
/// them, and answers through <see cref="IStanzaSender"/>. Kept apart from the link, so it can be
/// unit-tested without sockets.
/// </summary>
public interface IServiceComponent
{
    /// <summary>A stanza for the service (namespace jabber:client; 'from' and 'to' are valid JIDs, 'to' within the service's domain).</summary>
    ValueTask HandleAsync(XElement stanza, CancellationToken ct);

    /// <summary>One of the service's stanzas did not reach its recipient (the failure rule: it comes back marked failed). Default: nothing more to do than the log line and counter the link writes.</summary>
    void Returned(XElement stanza, string reason) { }
}

/// <summary>Sends the service's stanzas. False when the link would not take it (its queue is full); the caller answers for the stanza.</summary>
public interface IStanzaSender
{
    /// <summary>The service's domain (stanzas it sends must come from it or one of its JIDs).</summary>
    string Domain { get; }

    bool Send(XElement stanza);

    /// <summary>
    /// Sends <paramref name="stanza"/> to each of <paramref name="recipients"/> (its 'to' set to each in
    /// turn; it has none afterwards), e.g. a groupchat message to every occupant. Returns how many the
    /// link took. The link serializes the stanza once and only splices each 'to' in; this default sends one by one.
    /// </summary>
    int SendToEach(XElement stanza, IReadOnlyList<string> recipients)
    {
        var sent = 0;
        foreach (var to in recipients)
        {
            stanza.SetAttributeValue("to", to);
            if (Send(stanza)) sent++;
        }
        stanza.Attribute("to")?.Remove();
        return sent;
    }
}
