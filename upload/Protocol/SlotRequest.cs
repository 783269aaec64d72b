using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Xml.Linq;

namespace Xmpp.Upload.Protocol;

/// <summary>A client's &lt;request xmlns='urn:xmpp:http:upload:0' filename size content-type/&gt;, checked.</summary>
public sealed record SlotRequest(string FileName, long Size, string ContentType)
{
    public const string DefaultContentType = "application/octet-stream";

    /// <summary>Reads and checks a request; on a malformed one, the reason for &lt;bad-request/&gt;.</summary>
    public static SlotRequest? Parse(XElement request, int maxFileNameBytes, out string? problem)
    {
        problem = null;
        var name = (string?)request.Attribute("filename");
        if (string.IsNullOrEmpty(name) || name is "." or ".." || name.Any(c => c is '/' or '\\' || char.IsControl(c)))
            problem = "Invalid filename";
        else if (Encoding.UTF8.GetByteCount(name) > maxFileNameBytes)
            problem = $"The filename is longer than {maxFileNameBytes} bytes";
        else if (!long.TryParse((string?)request.Attribute("size"), NumberStyles.None, CultureInfo.InvariantCulture, out var size) || size <= 0)
            problem = "File size must be a positive integer";
        else
        {
            var type = ((string?)request.Attribute("content-type"))?.Trim();
            if (string.IsNullOrEmpty(type)) return new SlotRequest(name, size, DefaultContentType);
            if (type.Any(char.IsControl) || !MediaTypeHeaderValue.TryParse(type, out _))
                problem = "Invalid content-type";
            else
                return new SlotRequest(name, size, type);
        }
        return null;
    }
}
