using System.Xml.Linq;
using Xmpp.Upload.Protocol;

namespace Xmpp.Upload.Tests;

public sealed class SlotRequestTests
{
    private static readonly XNamespace Upload = UploadNs.HttpUpload;

    private static SlotRequest? Parse(string? filename, string? size, string? type, out string? problem)
    {
        var request = new XElement(Upload + "request");
        if (filename is not null) request.SetAttributeValue("filename", filename);
        if (size is not null) request.SetAttributeValue("size", size);
        if (type is not null) request.SetAttributeValue("content-type", type);
        return SlotRequest.Parse(request, 255, out problem);
    }

    [Fact]
    public void A_well_formed_request_is_read_and_a_missing_content_type_is_octet_stream()
    {
        Assert.Equal(new SlotRequest("très cool.jpg", 23456, "image/jpeg"), Parse("très cool.jpg", "23456", "image/jpeg", out _));
        Assert.Equal(new SlotRequest("a.bin", 1, SlotRequest.DefaultContentType), Parse("a.bin", "1", null, out _));
    }

    [Theory]
    [InlineData(null, "10", "text/plain", "Invalid filename")]
    [InlineData("", "10", "text/plain", "Invalid filename")]
    [InlineData("..", "10", "text/plain", "Invalid filename")]
    [InlineData("a/b.txt", "10", "text/plain", "Invalid filename")]
    [InlineData("a\\b.txt", "10", "text/plain", "Invalid filename")]
    [InlineData("a\u0001.txt", "10", "text/plain", "Invalid filename")]
    [InlineData("a.txt", null, "text/plain", "File size must be a positive integer")]
    [InlineData("a.txt", "0", "text/plain", "File size must be a positive integer")]
    [InlineData("a.txt", "-5", "text/plain", "File size must be a positive integer")]
    [InlineData("a.txt", "1e3", "text/plain", "File size must be a positive integer")]
    [InlineData("a.txt", "10", "text plain", "Invalid content-type")]
    [InlineData("a.txt", "10", "text/plain\r\nX-Evil: 1", "Invalid content-type")]
    public void A_malformed_request_says_what_is_wrong(string? filename, string? size, string? type, string expected)
    {
        Assert.Null(Parse(filename, size, type, out var problem));
        Assert.Equal(expected, problem);
    }

    [Fact]
    public void A_file_name_longer_than_the_limit_in_utf8_bytes_is_refused()
    {
        var request = new XElement(Upload + "request", new XAttribute("filename", new string('é', 6)), new XAttribute("size", "1"));
        Assert.Null(SlotRequest.Parse(request, 11, out var problem));
        Assert.Contains("longer than 11 bytes", problem);
        Assert.NotNull(SlotRequest.Parse(request, 12, out _));
    }
}
