namespace Xmpp.Upload.Protocol;

/// <summary>The namespaces the service speaks.</summary>
public static class UploadNs
{
    /// <summary>XEP-0363 HTTP File Upload.</summary>
    public const string HttpUpload = "urn:xmpp:http:upload:0";

    /// <summary>XEP-0004 data forms (the max-file-size form in disco#info, XEP-0128).</summary>
    public const string DataForms = "jabber:x:data";
}
