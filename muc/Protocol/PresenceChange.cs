using System.Xml.Linq;

namespace Xmpp.Muc.Protocol;

/// <summary>
/// What an occupant's presence broadcast says besides the occupant itself: unavailable or not, the
/// status codes everyone sees and those only the occupant sees (110 is added for it), the item's
/// actor/reason, the new nick of a nick change (303), a &lt;destroy/&gt;, and presence children
/// (show, status) that replace the occupant's stored ones.
/// </summary>
public sealed record PresenceChange
{
    public bool Unavailable { get; init; }
    public int[] Codes { get; init; } = [];
    public int[] SelfCodes { get; init; } = [];
    public XElement[] ItemChildren { get; init; } = [];
    public string? NewNick { get; init; }
    public XElement? Destroy { get; init; }
    public IReadOnlyList<XElement>? Children { get; init; }

    public static readonly PresenceChange Available = new();
}
