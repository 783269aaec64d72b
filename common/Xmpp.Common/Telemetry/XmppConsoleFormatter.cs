using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Xmpp.Common.Telemetry;

/// <summary>Options of the "xmpp" console formatter (timestamp format and UTC, as the built-in formatters have).</summary>
public sealed class XmppConsoleFormatterOptions : ConsoleFormatterOptions
{
    public XmppConsoleFormatterOptions() => TimestampFormat = "HH:mm:ss.fff ";
}

/// <summary>
/// The default console log format of every process: one line per entry, always with the trace
/// and span id of the current span ("-" outside any span), so a line can be found from a trace
/// and a trace from a line:
/// <code>12:00:01.234 info Xmpp.C2s.Routing.SmConnector trace=4bf92f3577b34da6a3ce929d0e0e4736 span=00f067aa0ba902b7 Session manager sm/localhost is up</code>
/// Multi-line messages and exceptions are folded onto the line (" | "). For machine-readable
/// logs with every structured field, choose the built-in JSON formatter:
/// Logging:Console:FormatterName=json (its scopes carry TraceId and SpanId).
/// </summary>
public sealed class XmppConsoleFormatter : ConsoleFormatter, IDisposable
{
    public const string FormatterName = "xmpp";

    private readonly IDisposable? _reload;
    private XmppConsoleFormatterOptions _options;

    public XmppConsoleFormatter(IOptionsMonitor<XmppConsoleFormatterOptions> options) : base(FormatterName)
    {
        _options = options.CurrentValue;
        _reload = options.OnChange(o => _options = o);
    }

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter?.Invoke(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null) return;

        var options = _options;
        if (options.TimestampFormat is { } format)
            textWriter.Write((options.UseUtcTimestamp ? DateTimeOffset.UtcNow : DateTimeOffset.Now).ToString(format, System.Globalization.CultureInfo.InvariantCulture));
        textWriter.Write(Level(logEntry.LogLevel));
        textWriter.Write(' ');
        textWriter.Write(logEntry.Category);
        if (Activity.Current is { } activity)
        {
            textWriter.Write(" trace=");
            textWriter.Write(activity.TraceId.ToHexString());
            textWriter.Write(" span=");
            textWriter.Write(activity.SpanId.ToHexString());
        }
        else
        {
            textWriter.Write(" trace=- span=-");
        }
        textWriter.Write(' ');
        if (message is not null) textWriter.Write(OneLine(message));
        if (logEntry.Exception is { } exception)
        {
            textWriter.Write(" | ");
            textWriter.Write(OneLine(exception.ToString()));
        }
        textWriter.Write(Environment.NewLine);
    }

    private static string OneLine(string text) =>
        text.Contains('\n') ? text.ReplaceLineEndings(" | ") : text;

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };

    public void Dispose() => _reload?.Dispose();
}
