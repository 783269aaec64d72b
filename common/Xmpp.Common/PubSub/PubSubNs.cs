using System.Xml.Linq;

namespace Xmpp.Common.PubSub;

/// <summary>The XEP-0060 namespaces, form types and feature names the node engine speaks.</summary>
public static class PubSubNs
{
    public const string PubSub = "http://jabber.org/protocol/pubsub";
    public const string Owner = PubSub + "#owner";
    public const string Event = PubSub + "#event";
    public const string Errors = PubSub + "#errors";
    public const string NodeConfigForm = PubSub + "#node_config";
    public const string PublishOptionsForm = PubSub + "#publish-options";
    public const string DataForms = "jabber:x:data";

    public static readonly XNamespace P = PubSub;
    public static readonly XNamespace O = Owner;
    public static readonly XNamespace E = Event;
    public static readonly XNamespace X = DataForms;

    /// <summary>A pubsub feature var, e.g. Feature("publish") = "http://jabber.org/protocol/pubsub#publish".</summary>
    public static string Feature(string name) => PubSub + "#" + name;
}
