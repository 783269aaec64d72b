using System.Globalization;
using System.Xml.Linq;

namespace Xmpp.Common.PubSub;

/// <summary>
/// A node's configuration (XEP-0060 §16.4.4, the pubsub#node_config fields the engine supports).
/// <see cref="MaxItems"/> is a count or <see cref="Max"/> ("max": as many as the service allows).
/// </summary>
public sealed record NodeConfig
{
    public const int Max = -1;

    public string? Title { get; init; }
    public AccessModel AccessModel { get; init; } = AccessModel.Presence;
    public IReadOnlyList<string> RosterGroupsAllowed { get; init; } = [];
    public int MaxItems { get; init; } = 1;
    public bool PersistItems { get; init; } = true;
    public string SendLastPublishedItem { get; init; } = "on_sub_and_presence";
    public bool DeliverNotifications { get; init; } = true;
    public bool DeliverPayloads { get; init; } = true;
    public bool NotifyRetract { get; init; } = true;
    public bool NotifyDelete { get; init; } = true;

    /// <summary>How many items the node keeps, given the service's limit per node.</summary>
    public int EffectiveMaxItems(int limit) => MaxItems == Max ? limit : Math.Min(MaxItems, limit);

    public static readonly string[] SendLastValues = ["never", "on_sub", "on_sub_and_presence"];

    /// <summary>The configuration with the submitted fields applied; an unknown field is ignored, a bad value refused.</summary>
    public (NodeConfig? Config, PubSubError? Error) Apply(IReadOnlyDictionary<string, IReadOnlyList<string>> fields, int maxItemsLimit)
    {
        var config = this;
        foreach (var (var, values) in fields)
        {
            var value = values.Count > 0 ? values[0] : "";
            switch (var)
            {
                case "pubsub#title":
                    config = config with { Title = value };
                    break;
                case "pubsub#access_model":
                    if (PubSubNames.ParseAccessModel(value) is not { } model) return (null, PubSubError.BadConfig($"access model '{value}' is not supported"));
                    config = config with { AccessModel = model };
                    break;
                case "pubsub#roster_groups_allowed":
                    config = config with { RosterGroupsAllowed = values.ToArray() };
                    break;
                case "pubsub#max_items":
                    if (ParseMaxItems(value) is not { } max) return (null, PubSubError.BadConfig($"max_items '{value}' is not a number or 'max'"));
                    if (max > maxItemsLimit) return (null, PubSubError.BadConfig($"max_items is at most {maxItemsLimit}"));
                    config = config with { MaxItems = max };
                    break;
                case "pubsub#send_last_published_item":
                    if (!SendLastValues.Contains(value)) return (null, PubSubError.BadConfig($"send_last_published_item '{value}' is not supported"));
                    config = config with { SendLastPublishedItem = value };
                    break;
                case "pubsub#publish_model":
                    if (value != "publishers") return (null, PubSubError.BadConfig("only publish_model 'publishers' is supported"));
                    break;
                case "pubsub#persist_items":
                case "pubsub#deliver_notifications":
                case "pubsub#deliver_payloads":
                case "pubsub#notify_retract":
                case "pubsub#notify_delete":
                    if (ParseBool(value) is not { } flag) return (null, PubSubError.BadConfig($"{var} '{value}' is not a boolean"));
                    config = var switch
                    {
                        "pubsub#persist_items" => config with { PersistItems = flag },
                        "pubsub#deliver_notifications" => config with { DeliverNotifications = flag },
                        "pubsub#deliver_payloads" => config with { DeliverPayloads = flag },
                        "pubsub#notify_retract" => config with { NotifyRetract = flag },
                        _ => config with { NotifyDelete = flag },
                    };
                    break;
                default:
                    break; // a field this service does not know: ignored, as Prosody does
            }
        }
        return (config, null);
    }

    /// <summary>
    /// XEP-0060 §7.1.5: whether the node meets publish-options <paramref name="preconditions"/>:
    /// every field the service knows has the same value (booleans as 1/true/0/false, "max" as the limit).
    /// </summary>
    public bool Meets(IReadOnlyDictionary<string, IReadOnlyList<string>> preconditions, int maxItemsLimit)
    {
        var (wanted, error) = Apply(preconditions, maxItemsLimit);
        if (wanted is null || error is not null) return false;
        foreach (var var in preconditions.Keys)
        {
            var same = var switch
            {
                "pubsub#title" => wanted.Title == Title,
                "pubsub#access_model" => wanted.AccessModel == AccessModel,
                "pubsub#roster_groups_allowed" => wanted.RosterGroupsAllowed.Order(StringComparer.Ordinal).SequenceEqual(RosterGroupsAllowed.Order(StringComparer.Ordinal)),
                "pubsub#max_items" => wanted.EffectiveMaxItems(maxItemsLimit) == EffectiveMaxItems(maxItemsLimit),
                "pubsub#send_last_published_item" => wanted.SendLastPublishedItem == SendLastPublishedItem,
                "pubsub#persist_items" => wanted.PersistItems == PersistItems,
                "pubsub#deliver_notifications" => wanted.DeliverNotifications == DeliverNotifications,
                "pubsub#deliver_payloads" => wanted.DeliverPayloads == DeliverPayloads,
                "pubsub#notify_retract" => wanted.NotifyRetract == NotifyRetract,
                "pubsub#notify_delete" => wanted.NotifyDelete == NotifyDelete,
                _ => true,
            };
            if (!same) return false;
        }
        return true;
    }

    public static int? ParseMaxItems(string text)
    {
        if (text == "max") return Max;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 ? n : null;
    }

    public static bool? ParseBool(string text) => text switch
    {
        "1" or "true" => true,
        "0" or "false" => false,
        _ => null,
    };

    /// <summary>
    /// The node_config data form (type 'form' to edit, 'result' to show), with the current values;
    /// the access models and send_last_published_item values offered are all the engine knows unless the host offers fewer.
    /// </summary>
    public XElement ToForm(string type = "form", IEnumerable<AccessModel>? accessModels = null, IEnumerable<string>? sendLastValues = null)
    {
        var x = PubSubNs.X;
        XElement Field(string var, string fieldType, string label, params string[] values) =>
            new(x + "field", new XAttribute("var", var), new XAttribute("type", fieldType), new XAttribute("label", label),
                values.Select(v => new XElement(x + "value", v)));
        XElement Options(XElement field, IEnumerable<string> options)
        {
            foreach (var o in options) field.Add(new XElement(x + "option", new XElement(x + "value", o)));
            return field;
        }
        static string B(bool b) => b ? "1" : "0";
        return new XElement(x + "x", new XAttribute("type", type),
            Field("FORM_TYPE", "hidden", "", PubSubNs.NodeConfigForm),
            Field("pubsub#title", "text-single", "A friendly name for the node", Title ?? ""),
            Options(Field("pubsub#access_model", "list-single", "Who may subscribe and retrieve items", AccessModel.Name()),
                (accessModels ?? Enum.GetValues<AccessModel>()).Select(m => m.Name())),
            Field("pubsub#roster_groups_allowed", "list-multi", "Roster groups allowed to subscribe", [.. RosterGroupsAllowed]),
            Field("pubsub#max_items", "text-single", "Max number of items to persist", MaxItems == Max ? "max" : MaxItems.ToString(CultureInfo.InvariantCulture)),
            Field("pubsub#persist_items", "boolean", "Persist items to storage", B(PersistItems)),
            Options(Field("pubsub#send_last_published_item", "list-single", "When to send the last published item", SendLastPublishedItem), sendLastValues ?? SendLastValues),
            Field("pubsub#deliver_notifications", "boolean", "Deliver event notifications", B(DeliverNotifications)),
            Field("pubsub#deliver_payloads", "boolean", "Deliver payloads with event notifications", B(DeliverPayloads)),
            Field("pubsub#notify_retract", "boolean", "Notify subscribers when items are removed from the node", B(NotifyRetract)),
            Field("pubsub#notify_delete", "boolean", "Notify subscribers when the node is deleted", B(NotifyDelete)),
            Options(Field("pubsub#publish_model", "list-single", "Who may publish", "publishers"), ["publishers"]));
    }

    /// <summary>
    /// The fields of a submitted jabber:x:data form (FORM_TYPE left out), or null when
    /// <paramref name="x"/> is no form or its FORM_TYPE is another one than <paramref name="formType"/>.
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>>? Fields(XElement? x, string formType)
    {
        if (x is null || x.Name != PubSubNs.X + "x") return null;
        var fields = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var field in x.Elements(PubSubNs.X + "field"))
        {
            var var = (string?)field.Attribute("var");
            if (var is null) continue;
            var values = field.Elements(PubSubNs.X + "value").Select(v => v.Value).ToArray();
            if (var == "FORM_TYPE")
            {
                if (values.FirstOrDefault() != formType) return null;
                continue;
            }
            fields[var] = values;
        }
        return fields;
    }
}
