using Xmpp.Protos;

namespace Xmpp.Tools.Ctl.Commands;

internal interface ICommand
{
    string Name { get; }
    string Arguments { get; }
    int ArgumentCount { get; }
    string Description { get; }

    /// <summary>Runs the command; returns the process exit code (0 success, 1 failure).</summary>
    Task<int> RunAsync(CtlContext context, IReadOnlyList<string> args, CancellationToken ct);
}

internal static class Failure
{
    /// <summary>Prints a failed answer as "error: alice@localhost exists (conflict)" and returns exit code 1.</summary>
    public static int Report(CtlContext context, string what, Session answer, string verb)
    {
        var reason = answer.Reason.Length > 0 ? answer.Reason : "no reason given";
        var text = answer.Reason switch
        {
            "conflict" => $"{what} exists",
            "user-not-found" => $"{what} does not exist",
            _ => $"{verb} {what} failed",
        };
        context.Err.WriteLine($"error: {text} ({reason})");
        return 1;
    }

    /// <summary>An answer that is neither the expected success nor a failure of the request.</summary>
    public static int Unexpected(CtlContext context, Session answer)
    {
        context.Err.WriteLine($"error: unexpected answer {answer.Action}{(answer.Reason.Length > 0 ? $" ({answer.Reason})" : "")}");
        return 1;
    }
}
