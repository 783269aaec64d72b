using Xmpp.Protos;

namespace Xmpp.Tools.Ctl.Commands;

/// <summary>
/// announce [--subject S] &lt;text|-&gt;: ANNOUNCE, a headline message from the domain to every live
/// session (XEP-0133 announce); '-' reads the text from stdin.
/// </summary>
internal sealed class AnnounceCommand : ICommand
{
    public string Name => "announce";
    public string Arguments => "[--subject S] <text|->";
    public int ArgumentCount => -1;
    public string Description => "send a message to every online user";

    public async Task<int> RunAsync(CtlContext context, IReadOnlyList<string> args, CancellationToken ct)
    {
        string? subject = null;
        var rest = args.ToList();
        if (rest.Count >= 2 && rest[0] == "--subject")
        {
            subject = rest[1];
            rest.RemoveRange(0, 2);
        }
        if (rest.Count != 1)
        {
            context.Err.WriteLine($"usage: xmppctl announce {Arguments}");
            return 2;
        }
        var text = rest[0] == "-" ? Console.In.ReadToEnd().TrimEnd('\n', '\r') : rest[0];
        if (text.Length == 0)
        {
            context.Err.WriteLine("error: empty announcement");
            return 1;
        }
        var request = new Session { Action = Session.Types.Action.Announce, Announcement = text, Subject = subject ?? "" };
        if (await context.RequestAsync(context.Domain, request, ct) is not { } answer) return 1;
        if (answer.Failed) return Failure.Report(context, $"sm/{context.Domain}", answer, "announcing on");
        if (answer.Action != Session.Types.Action.Announced) return Failure.Unexpected(context, answer);
        context.Out.WriteLine($"sent to {answer.Users.Count} session(s)");
        return 0;
    }
}
