namespace Xmpp.Common.Tests;

/// <summary>
/// How long the property-based (fuzz) tests run: a few hundred iterations each by default, so the
/// unit tests stay fast; <c>FUZZ_ITERATIONS=100000</c> in the environment runs a longer hunt.
/// </summary>
internal static class FuzzSettings
{
    public static int Iterations(int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable("FUZZ_ITERATIONS"), out var n) && n > 0 ? n : fallback;
}
