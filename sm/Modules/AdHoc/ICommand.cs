using System.Xml.Linq;
using Xmpp.Common;

namespace Xmpp.Sm.Modules.AdHoc;

/// <summary>What a finished command answers: a note (info, warn or error, XEP-0050 §3.4.4) and optionally a result form.</summary>
public sealed record CommandOutcome(string NoteType, string Note, XElement? Result = null)
{
    public static CommandOutcome Info(string note, XElement? result = null) => new("info", note, result);
    public static CommandOutcome Error(string note) => new("error", note);
}

/// <summary>
/// One ad-hoc command (XEP-0050): a node, a name, and its stages, each a form to fill in; after
/// the last one <see cref="Complete"/> runs on the values of every stage. Who may run it is
/// <see cref="AdminOnly"/>.
/// </summary>
public interface ICommand
{
    string Node { get; }
    string Name { get; }
    bool AdminOnly { get; }

    /// <summary>How many forms the command asks for (at least one).</summary>
    int Stages { get; }

    /// <summary>The form of stage <paramref name="stage"/> (0-based).</summary>
    XElement Form(int stage);

    /// <summary>Runs the command with the values of all stages, for <paramref name="requester"/>.</summary>
    CommandOutcome Complete(IReadOnlyDictionary<string, IReadOnlyList<string>> values, Jid requester);
}
