namespace Xmpp.Upload;

/// <summary>
/// The HTTP upload service's settings (section "Upload"; env Upload__MaxFileSize=...). Where it
/// links to the router and which domain it serves are the "Router" and "Component" sections.
/// README.md's configuration table lists every key with its default.
/// </summary>
public sealed class UploadOptions
{
    public const string Section = "Upload";

    /// <summary>Folder for the stored files (files/) and the index (upload.db).</summary>
    public string DataDirectory { get; set; } = "data/upload";

    /// <summary>Largest file a slot is given for, in bytes (larger: &lt;file-too-large/&gt;); advertised as max-file-size in disco#info.</summary>
    public long MaxFileSize { get; set; } = 10L * 1024 * 1024;

    /// <summary>Bytes one account (bare JID) may hold at once: its stored files and its open slots. Beyond: &lt;resource-constraint/&gt;. 0: no quota.</summary>
    public long QuotaBytesPerUser { get; set; } = 100L * 1024 * 1024;

    /// <summary>Slot requests one account may make in a burst; they come back at <see cref="SlotRequestsPerMinute"/>. 0: no limit.</summary>
    public int SlotRequestBurst { get; set; } = 10;

    /// <summary>Rate at which an account's slot requests refill, per minute.</summary>
    public double SlotRequestsPerMinute { get; set; } = 10;

    /// <summary>How long a slot's PUT URL may be used after the slot was given.</summary>
    public TimeSpan SlotLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long an uploaded file is kept (then deleted from disk and the index).</summary>
    public TimeSpan FileLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often expired files and unused slots are looked for.</summary>
    public TimeSpan ExpiryInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Longest file name (UTF-8 bytes) a slot is given for (longer: &lt;bad-request/&gt;).</summary>
    public int MaxFileNameBytes { get; set; } = 255;

    /// <summary>The HTTPS endpoint that serves the PUT and GET URLs.</summary>
    public UploadHttpOptions Http { get; set; } = new();
}

/// <summary>The HTTPS endpoint (Kestrel) that takes uploads and serves downloads (section "Upload:Http").</summary>
public sealed class UploadHttpOptions
{
    /// <summary>Address Kestrel listens on for uploads and downloads; loopback unless the operator opens it.</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>HTTPS port (Prosody's https port, 5281; 0 picks a free one, logged at start).</summary>
    public int Port { get; set; } = 5281;

    /// <summary>The start of every URL handed out, as clients reach the endpoint (e.g. https://upload.example.org:5281); default https://&lt;Component:Domain&gt;:&lt;Port&gt;.</summary>
    public string? PublicUrl { get; set; }

    /// <summary>PKCS#12 file with the certificate and key; unset: a self-signed certificate for the domain and the public URL's host, made at start (as c2s does).</summary>
    public string? CertificatePath { get; set; }

    /// <summary>That file's password. Never logged.</summary>
    public string? CertificatePassword { get; set; }

    public override string ToString() => $"UploadHttpOptions {{ ListenAddress = {ListenAddress}, Port = {Port}, PublicUrl = {PublicUrl}, CertificatePath = {CertificatePath} }}";
}
