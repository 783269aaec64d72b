using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Xmpp.Common;
using Xmpp.Common.Stanzas;
using Xmpp.Sm.Core;
using Xmpp.Sm.Routing;
using Xmpp.Sm.Sessions;
using Xmpp.Sm.Telemetry;

namespace Xmpp.Sm.Modules.AdHoc;

/// <summary>
/// XEP-0050 Ad-Hoc Commands on the server (Prosody's mod_adhoc, seeds/004): commands listed by
/// disco#items on node http://jabber.org/protocol/commands (only those the requester may run),
/// disco#info of each command node, and command sessions (sessionid) with the actions execute,
/// next, prev, complete and cancel over XEP-0004 forms, bounded in number and idle time
/// (<see cref="AdHocOptions"/>). The commands are XEP-0133's admin commands (<see cref="AdminCommands"/>),
/// for the bare JIDs in Sm:Admins; anyone else running one gets &lt;forbidden/&gt;.
/// </summary>
public sealed class AdHocModule : IModule
{
    public const string Namespace = "http://jabber.org/protocol/commands";
    private static readonly XNamespace Ns = Namespace;
    private static readonly XNamespace Info = Xmpp.Common.Ns.DiscoInfo;
    private static readonly XNamespace Items = Xmpp.Common.Ns.DiscoItems;

    private readonly SmContext _ctx;
    private readonly ILogger _logger;
    private readonly HashSet<Jid> _admins = [];
    private readonly Dictionary<string, ICommand> _commands = new(StringComparer.Ordinal);
    private readonly CommandSessions _sessions;

    public AdHocModule(SmContext ctx)
    {
        _ctx = ctx;
        _logger = ctx.Logger("Xmpp.Sm.Modules.AdHoc");
        _sessions = new CommandSessions(ctx.Settings<AdHocOptions>("AdHoc"), ctx.Clock);
        foreach (var admin in ctx.Options.Admins)
        {
            if (Jid.TryParse(admin.Trim(), out var jid) && jid.Local is not null) _admins.Add(jid.Bare);
            else _logger.LogWarning("Sm:Admins: {Entry} is not a bare JID; ignored", admin);
        }
        foreach (var command in AdminCommands.All(ctx)) _commands[command.Node] = command;
    }

    public string Name => "adhoc";

    public void Load(HookTable hooks)
    {
        hooks.Disco.AddServerFeature(Namespace);
        hooks.Disco.AddNodes(DiscoTarget.Server, DiscoNode);
        hooks.Hook($"iq-set/host/{Namespace}:command", Execute);
        hooks.On<AccountDeleted>(deleted => _sessions.CloseAllOf(deleted.User));
    }

    public bool IsAdmin(Jid jid) => _admins.Contains(jid.Bare);

    private bool MayRun(ICommand command, Jid requester) => !command.AdminOnly || IsAdmin(requester);

    /// <summary>XEP-0050 §2.2-2.3: the command list, and each command's info; the commands one may not run are not shown.</summary>
    private XElement? DiscoNode(StanzaEvent e, string node, bool items)
    {
        if (node == Namespace)
        {
            if (!items)
                return new XElement(Info + "query", new XAttribute("node", node),
                    new XElement(Info + "identity", new XAttribute("category", "automation"), new XAttribute("type", "command-list"), new XAttribute("name", "Commands")));
            var query = new XElement(Items + "query", new XAttribute("node", node));
            foreach (var command in _commands.Values.Where(c => MayRun(c, e.From)))
                query.Add(new XElement(Items + "item", new XAttribute("jid", _ctx.Domain), new XAttribute("node", command.Node), new XAttribute("name", command.Name)));
            return query;
        }
        if (!_commands.TryGetValue(node, out var found) || !MayRun(found, e.From)) return null;
        if (items) return new XElement(Items + "query", new XAttribute("node", node));
        return new XElement(Info + "query", new XAttribute("node", node),
            new XElement(Info + "identity", new XAttribute("category", "automation"), new XAttribute("type", "command-node"), new XAttribute("name", found.Name)),
            new XElement(Info + "feature", new XAttribute("var", Namespace)),
            new XElement(Info + "feature", new XAttribute("var", DataForm.Namespace)));
    }

    private bool Execute(StanzaEvent e)
    {
        var request = e.Payload!;
        var node = (string?)request.Attribute("node") ?? "";
        var action = (string?)request.Attribute("action") ?? "execute";
        var sessionId = (string?)request.Attribute("sessionid");

        if (!_commands.TryGetValue(node, out var command))
        {
            Refuse(e, "unknown", StanzaErrors.ItemNotFound);
            return true;
        }
        if (!MayRun(command, e.From))
        {
            _logger.LogWarning("Command {Node} refused to {Requester}: not an admin", node, e.From.Bare);
            Refuse(e, "forbidden", StanzaErrors.Forbidden);
            return true;
        }
        if (action is not ("execute" or "next" or "prev" or "complete" or "cancel"))
        {
            Refuse(e, "bad-action", StanzaErrors.BadRequest, "malformed-action");
            return true;
        }

        CommandSession? session;
        if (string.IsNullOrEmpty(sessionId))
        {
            if (action != "execute")
            {
                Refuse(e, "bad-action", StanzaErrors.BadRequest, "bad-action");
                return true;
            }
            session = _sessions.Open(e.From, command);
            if (session is null)
            {
                _logger.LogWarning("Command {Node} for {Requester} refused: too many open command sessions (Sm:AdHoc:MaxSessions, MaxSessionsPerUser)", node, e.From);
                Refuse(e, "sessions", StanzaErrors.ResourceConstraint);
                return true;
            }
            // A form submitted with the first request (no stage shown yet) counts as stage 0's answer.
            if (DataForm.Values(request.Element(DataForm.Ns + "x")) is null)
            {
                Reply(e, session, Executing(session));
                return true;
            }
            action = "execute";
        }
        else
        {
            switch (_sessions.Find(sessionId, e.From, out session))
            {
                case CommandSessions.Lookup.Expired:
                    Refuse(e, "expired", StanzaErrors.NotAllowed, "session-expired");
                    return true;
                case CommandSessions.Lookup.Unknown or CommandSessions.Lookup.NotOwner:
                    Refuse(e, "unknown-session", StanzaErrors.BadRequest, "bad-sessionid");
                    return true;
            }
            if (session!.Command != command)
            {
                Refuse(e, "unknown-session", StanzaErrors.BadRequest, "bad-sessionid");
                return true;
            }
        }

        Step(e, session!, action, request);
        return true;
    }

    /// <summary>One action on an open session (XEP-0050 §3.4).</summary>
    private void Step(StanzaEvent e, CommandSession session, string action, XElement request)
    {
        var command = session.Command;
        var last = session.Stage == command.Stages - 1;
        if (action == "cancel")
        {
            _sessions.Close(session);
            Reply(e, session, Status(session, "canceled"));
            return;
        }
        if (action == "prev")
        {
            if (session.Stage == 0)
            {
                Refuse(e, "bad-action", StanzaErrors.BadRequest, "bad-action");
                return;
            }
            session.Stage--;
            Reply(e, session, Executing(session));
            return;
        }
        if (action == "execute") action = last ? "complete" : "next"; // the default action of each stage
        if ((action == "next" && last) || (action == "complete" && !last))
        {
            Refuse(e, "bad-action", StanzaErrors.BadRequest, "bad-action");
            return;
        }
        if (DataForm.Values(request.Element(DataForm.Ns + "x")) is not { } values)
        {
            Refuse(e, "bad-payload", StanzaErrors.BadRequest, "bad-payload");
            return;
        }
        session.Values[session.Stage] = values;
        if (action == "next")
        {
            session.Stage++;
            Reply(e, session, Executing(session));
            return;
        }
        _sessions.Close(session);
        var outcome = command.Complete(session.AllValues(), e.From);
        var completed = Status(session, "completed");
        completed.Add(new XElement(Ns + "note", new XAttribute("type", outcome.NoteType), outcome.Note));
        if (outcome.Result is not null) completed.Add(outcome.Result);
        Reply(e, session, completed);
    }

    private static XElement Status(CommandSession session, string status) =>
        new(Ns + "command", new XAttribute("node", session.Command.Node), new XAttribute("sessionid", session.Id), new XAttribute("status", status));

    /// <summary>The form of the session's stage, with the actions allowed there (XEP-0050 §3.4.1).</summary>
    private static XElement Executing(CommandSession session)
    {
        var command = session.Command;
        var last = session.Stage == command.Stages - 1;
        var actions = new XElement(Ns + "actions", new XAttribute("execute", last ? "complete" : "next"));
        if (session.Stage > 0) actions.Add(new XElement(Ns + "prev"));
        actions.Add(new XElement(Ns + (last ? "complete" : "next")));
        var element = Status(session, "executing");
        element.Add(actions, command.Form(session.Stage));
        return element;
    }

    private void Reply(StanzaEvent e, CommandSession session, XElement payload) => _ctx.ReplyResult(e, payload);

    /// <summary>A refused request: the stanza error with XEP-0050's specific condition when there is one, a counter.</summary>
    private void Refuse(StanzaEvent e, string reason, string condition, string? specific = null)
    {
        SmTelemetry.AdHocRefused(reason);
        if (reason != "forbidden") _logger.LogInformation("Command request from {Requester} refused: {Reason}", e.From, reason);
        var error = StanzaErrors.Reply(e.Stanza, StanzaErrors.DefaultType(condition), condition);
        if (specific is not null) error.Element(e.Stanza.Name.Namespace + "error")?.Add(new XElement(Ns + specific));
        _ctx.Reply(e, error);
    }
}
