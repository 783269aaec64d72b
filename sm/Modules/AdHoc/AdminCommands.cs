using System.Globalization;
using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Xmpp.Common;
using Xmpp.Sm.Core;
using Xmpp.Sm.Routing;
using Xmpp.Sm.Sessions;

namespace Xmpp.Sm.Modules.AdHoc;

/// <summary>
/// XEP-0133 Service Administration commands, for the admins named in Sm:Admins only. Passwords
/// given in their forms reach sm inside the stanza; sm derives the SCRAM keys itself
/// (<see cref="AccountAdmin.Derive"/>) and never logs them.
/// </summary>
public static class AdminCommands
{
    public const string FormType = "http://jabber.org/protocol/admin";
    public const string Prefix = FormType + "#";

    public static IReadOnlyList<ICommand> All(SmContext ctx)
    {
        var logger = ctx.Logger("Xmpp.Sm.Modules.AdHoc");
        return
        [
            new AddUser(ctx, logger),
            new DeleteUser(ctx, logger),
            new ChangePassword(ctx, logger),
            new OnlineUsersList(ctx),
            new OnlineUsersNum(ctx),
            new EndUserSession(ctx, logger),
            new Announce(ctx, logger),
        ];
    }

    private abstract class AdminCommand(string node, string name) : ICommand
    {
        public string Node { get; } = Prefix + node;
        public string Name { get; } = name;
        public bool AdminOnly => true;
        public int Stages => 1;
        protected abstract string Instructions { get; }
        protected abstract IEnumerable<FormField> Fields { get; }
        public XElement Form(int stage) => DataForm.Build("form", FormType, Name, Instructions, Fields);
        public abstract CommandOutcome Complete(IReadOnlyDictionary<string, IReadOnlyList<string>> values, Jid requester);

        protected static string? One(IReadOnlyDictionary<string, IReadOnlyList<string>> values, string name) =>
            values.TryGetValue(name, out var list) && list.Count > 0 && list[0].Length > 0 ? list[0] : null;

        protected static IReadOnlyList<string> Many(IReadOnlyDictionary<string, IReadOnlyList<string>> values, string name) =>
            values.TryGetValue(name, out var list) ? list.Where(v => v.Trim().Length > 0).Select(v => v.Trim()).ToArray() : [];

        /// <summary>A user of this domain, or null (the caller answers with an error note).</summary>
        protected static Jid? LocalUser(SmContext ctx, string? text) =>
            Jid.TryParse(text?.Trim(), out var jid) && jid.Local is not null && jid.Resource is null && jid.Domain == ctx.Domain ? jid : null;
    }

    private sealed class AddUser(SmContext ctx, ILogger logger) : AdminCommand("add-user", "Add a User")
    {
        protected override string Instructions => "Fill out this form to add a user.";
        protected override IEnumerable<FormField> Fields =>
        [
            new("accountjid", "jid-single", "The Jabber ID for the account to be added", true),
            new("password", "text-private", "The password for this account", true),
            new("password-verify", "text-private", "Retype password", true),
        ];

        public override CommandOutcome Complete(IReadOnlyDictionary<string, IReadOnlyList<string>> values, Jid requester)
        {
            if (LocalUser(ctx, One(values, "accountjid")) is not { } user) return CommandOutcome.Error($"The account JID must be a user of {ctx.Domain}.");
            if (One(values, "password") is not { } password) return CommandOutcome.Error("A password is required.");
            if (One(values, "password-verify") is { } verify && verify != password) return CommandOutcome.Error("The passwords do not match.");
            var refusal = ctx.Accounts.Create(user, ctx.Accounts.Derive(password), AccountRequester.Admin);
            if (refusal is not null) return CommandOutcome.Error(refusal == AccountAdmin.Conflict ? $"The account {user} already exists." : $"The account {user} could not be created ({refusal}).");
            logger.LogInformation("Admin {Admin} added {User}", requester.Bare, user);
            return CommandOutcome.Info($"The account {user} was created.");
        }
    }

    private sealed class DeleteUser(SmContext ctx, ILogger logger) : AdminCommand("delete-user", "Delete a User")
    {
        protected override string Instructions => "Fill out this form to delete a user.";
        protected override IEnumerable<FormField> Fields => [new("accountjids", "jid-multi", "The Jabber ID(s) to delete", true)];

        public override CommandOutcome Complete(IReadOnlyDictionary<string, IReadOnlyList<string>> values, Jid requester)
        {
            var jids = Many(values, "accountjids");
            if (jids.Count == 0) return CommandOutcome.Error("No account JID given.");
            var failed = new List<string>();
            foreach (var text in jids)
            {
                if (LocalUser(ctx, text) is { } user && ctx.Accounts.Delete(user))
                    logger.LogInformation("Admin {Admin} deleted {User}", requester.Bare, user);
                else
                    failed.Add(text);
            }
            return failed.Count == 0
                ? CommandOutcome.Info($"Deleted {jids.Count} account(s).")
                : CommandOutcome.Error($"No such account: {string.Join(", ", failed)}");
        }
    }

    private sealed class ChangePassword(SmContext ctx, ILogger logger) : AdminCommand("change-user-password", "Change User Password")
    {
        protected override string Instructions => "Fill out this form to change a user's password.";
        protected override IEnumerable<FormField> Fields =>
        [
            new("accountjid", "jid-single", "The Jabber ID for this account", true),
            new("password", "text-private", "The password for this account", true),
        ];

        public override CommandOutcome Complete(IReadOnlyDictionary<string, IReadOnlyList<string>> values, Jid requester)
        {
            if (LocalUser(ctx, One(values, "accountjid")) is not { } user) return CommandOutcome.Error($"The account JID must be a user of {ctx.Domain}.");
            if (One(values, "password") is not { } password) return CommandOutcome.Error("A password is required.");
            if (!ctx.Accounts.SetCredentials(user, ctx.Accounts.Derive(password))) return CommandOutcome.Error($"No such account: {user}");
            logger.LogInformation("Admin {Admin} changed the password of {User}", requester.Bare, user);
            return CommandOutcome.Info($"The password of {user} was changed.");
        }
    }

    private sealed class OnlineUsersList(SmContext ctx) : AdminCommand("get-online-users-list", "Get List of Online Users")
    {
        protected override string Instructions => "How many users to list at most.";
        protected override IEnumerable<FormField> Fields => [new("max_items", "list-single", "Maximum number of items to show", false, "100")];

        public override CommandOutcome Complete(IReadOnlyDictionary<string, IReadOnlyList<string>> values, Jid requester)
        {
            var max = int.TryParse(One(values, "max_items"), NumberStyles.None, CultureInfo.InvariantCulture, out var m) && m > 0 ? m : int.MaxValue;
            var users = ctx.Sessions.All.Select(s => s.BareJid.ToString()).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Take(max).ToArray();
            var result = DataForm.Build("result", FormType, null, null, [new FormField("onlineuserjids", "jid-multi", "The list of all online users", false, users)]);
            return CommandOutcome.Info($"{users.Length} online user(s).", result);
        }
    }

    private sealed class OnlineUsersNum(SmContext ctx) : AdminCommand("get-online-users-num", "Get Number of Online Users")
    {
        protected override string Instructions => "Submit to get the number of online users.";
        protected override IEnumerable<FormField> Fields => [];

        public override CommandOutcome Complete(IReadOnlyDictionary<string, IReadOnlyList<string>> values, Jid requester)
        {
            var count = ctx.Sessions.All.Select(s => s.BareJid).Distinct().Count();
            var result = DataForm.Build("result", FormType, null, null,
                [new FormField("onlineusersnum", "text-single", "The number of online users", false, count.ToString(CultureInfo.InvariantCulture))]);
            return CommandOutcome.Info($"{count} online user(s).", result);
        }
    }

    private sealed class EndUserSession(SmContext ctx, ILogger logger) : AdminCommand("end-user-session", "End User Session")
    {
        protected override string Instructions => "Fill out this form to end a user's sessions.";
        protected override IEnumerable<FormField> Fields => [new("accountjids", "jid-multi", "The Jabber ID(s) for which to end sessions", true)];

        public override CommandOutcome Complete(IReadOnlyDictionary<string, IReadOnlyList<string>> values, Jid requester)
        {
            var jids = Many(values, "accountjids");
            if (jids.Count == 0) return CommandOutcome.Error("No account JID given.");
            var ended = 0;
            foreach (var text in jids)
            {
                if (!Jid.TryParse(text, out var jid) || jid.Local is null || jid.Domain != ctx.Domain) return CommandOutcome.Error($"Not a user of {ctx.Domain}: {text}");
                ended += ctx.Accounts.Kick(jid).Count;
            }
            logger.LogInformation("Admin {Admin} ended {Count} session(s)", requester.Bare, ended);
            return CommandOutcome.Info($"Ended {ended} session(s).");
        }
    }

    private sealed class Announce(SmContext ctx, ILogger logger) : AdminCommand("announce", "Send Announcement to Online Users")
    {
        protected override string Instructions => "Fill out this form to make an announcement to all active users of this service.";
        protected override IEnumerable<FormField> Fields =>
        [
            new("subject", "text-single", "Subject"),
            new("announcement", "text-multi", "Announcement", true),
        ];

        public override CommandOutcome Complete(IReadOnlyDictionary<string, IReadOnlyList<string>> values, Jid requester)
        {
            var lines = values.TryGetValue("announcement", out var l) ? l : [];
            if (lines.Count == 0 || lines.All(s => s.Length == 0)) return CommandOutcome.Error("The announcement is empty.");
            var sent = ctx.Accounts.Announce(One(values, "subject"), string.Join("\n", lines));
            logger.LogInformation("Admin {Admin} sent an announcement to {Count} session(s)", requester.Bare, sent.Count);
            return CommandOutcome.Info($"Announcement sent to {sent.Count} session(s).");
        }
    }
}
