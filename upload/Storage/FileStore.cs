namespace Xmpp.Upload.Storage;

/// <summary>
/// Where the files lie: &lt;data dir&gt;/files/&lt;slot id&gt;, written first as &lt;slot id&gt;.part and
/// renamed once complete, so a file being uploaded is never served and a crash leaves only a .part
/// file, which the slot's expiry deletes. Slot ids are base64url, so they are safe file names.
/// </summary>
public sealed class FileStore
{
    private readonly string _root;

    public FileStore(string dataDirectory)
    {
        _root = Path.Combine(Path.GetFullPath(dataDirectory), "files");
        Directory.CreateDirectory(_root);
    }

    public string PathOf(string slotId) => Path.Combine(_root, slotId);

    public string PartPathOf(string slotId) => Path.Combine(_root, slotId + ".part");

    /// <summary>Opens the slot's .part file for writing (replacing what an interrupted upload left); no buffering of ours, the caller streams into it.</summary>
    public FileStream CreatePart(string slotId) =>
        new(PartPathOf(slotId), new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None, Options = FileOptions.Asynchronous });

    /// <summary>Makes a complete .part file the slot's file.</summary>
    public void Commit(string slotId) => File.Move(PartPathOf(slotId), PathOf(slotId), overwrite: true);

    /// <summary>Deletes the slot's file and any .part file; true when there was something to delete.</summary>
    public bool Delete(string slotId)
    {
        var deleted = false;
        foreach (var path in new[] { PathOf(slotId), PartPathOf(slotId) })
        {
            if (!File.Exists(path)) continue;
            File.Delete(path);
            deleted = true;
        }
        return deleted;
    }
}
