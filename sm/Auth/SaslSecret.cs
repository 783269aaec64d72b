using System.Security.Cryptography;

namespace Xmpp.Sm.Auth;

/// <summary>
/// sm's secret for fake SCRAM salts: 32 random bytes generated on first start and kept in the data
/// directory (file <see cref="FileName"/>, readable by sm's user only), so an unknown account's
/// fake salt is the same at every try and across restarts, and nobody without the file can tell it
/// from a real one.
/// </summary>
public static class SaslSecret
{
    public const string FileName = "sasl-secret";
    private const int Size = 32;

    public static byte[] LoadOrCreate(string dataDirectory)
    {
        var path = Path.Combine(Path.GetFullPath(dataDirectory), FileName);
        if (File.Exists(path))
        {
            var existing = File.ReadAllBytes(path);
            if (existing.Length == Size) return existing;
            throw new InvalidDataException($"{path} holds {existing.Length} bytes, not {Size}: delete it to make a new secret (unknown accounts then get other fake salts)");
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var secret = RandomNumberGenerator.GetBytes(Size);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        try
        {
            using var file = new FileStream(path, options);
            file.Write(secret);
            file.Flush(flushToDisk: true);
            return secret;
        }
        catch (IOException) when (File.Exists(path))
        {
            return LoadOrCreate(dataDirectory); // another sm on the same directory made it first
        }
    }
}
