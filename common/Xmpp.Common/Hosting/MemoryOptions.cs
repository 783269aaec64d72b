namespace Xmpp.Common.Hosting;

/// <summary>When a process gives freed memory back to the system; the "Memory" configuration section.</summary>
public sealed class MemoryOptions
{
    public const string Section = "Memory";

    /// <summary>How often the process looks at its allocation rate and memory; zero turns trimming off.</summary>
    public TimeSpan TrimInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>An interval that allocated fewer managed bytes than this counts as quiet.</summary>
    public long QuietAllocatedBytes { get; set; } = 4L * 1024 * 1024;

    /// <summary>
    /// Bytes the GC must hold beyond its live heap, in a quiet interval, before the process compacts
    /// the managed heap once to give them back (also at least half the live heap again).
    /// </summary>
    public long MinSlackBytes { get; set; } = 16L * 1024 * 1024;
}
