using System.Text;

namespace Pix2Pix.Api.Tests;

/// <summary>
/// Raw HTTP/1.1 requests made from a seed, for fuzzing the layers before the PNG decoder: methods, targets and query
/// strings, Content-Type and framing variants (Content-Length against chunked, lengths that lie), odd and oversized
/// headers, and multipart bodies of every shape. Each request says whether it leaves its body unfinished (the client
/// then stops sending, and no answer at all is a fair outcome).
/// </summary>
internal static class HttpCases
{
    public sealed record Case(string Name, byte[] Request, bool Unfinished);

    private static readonly string[] Methods = ["POST", "POST", "POST", "POST", "POST", "POST", "GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "post", "P0ST", "CONNECT"];

    private static readonly string[] Targets =
    [
        "/translate", "/translate", "/translate", "/translate?model=tiny", "/translate?model=", "/translate?model=nope", "/translate?model=%00",
        "/translate?model=..%2F..%2Fetc%2Fpasswd", "/translate?model=" + new string('a', 3000), "/translate?model=tiny&model=tiny",
        "/translate/", "/Translate", "/translate?%zz=1", "/translate?model=%E2%82", "//translate", "/translate;x=1", "/models/%2e%2e",
        "/models/tiny", "/models/" + new string('m', 500), "/health/ready?x=1", "*", "http://localhost/translate", "/translate#fragment",
        "/tr%61nslate", "/translate?" + string.Concat(Enumerable.Repeat("k=v&", 500)),
    ];

    private static readonly string?[] PngTypes =
    [
        "image/png", "image/png", "image/png; charset=binary", "IMAGE/PNG", "image/png;;;", "image/png; x=\"unterminated", "", null,
        "text/plain", "application/octet-stream", "image/*", "image/png, image/png", "\u0001\u0002", "image/png; boundary=x",
    ];

    public static IEnumerable<Case> Generate(int count, int seed, byte[] png)
    {
        var random = new Random(seed);
        for (var i = 0; i < count; i++) yield return One(random, i, png);
    }

    private static Case One(Random random, int index, byte[] png)
    {
        var method = Pick(random, Methods);
        var target = Pick(random, Targets);
        var headers = new List<string> { "Host: localhost" };
        var name = new StringBuilder($"#{index} {method} {Short(target)}");
        var (contentType, body, shape) = random.Next(10) < 6 ? PngBody(random, png) : MultipartBody(random, png);
        if (contentType is not null) headers.Add($"Content-Type: {contentType}");
        name.Append($" [{Short(contentType ?? "no type")}] {shape}");

        var framing = random.Next(14);
        var unfinished = false;
        byte[] payload;
        switch (framing)
        {
            case < 6:
                headers.Add($"Content-Length: {body.Length}");
                payload = body;
                name.Append(" length");
                break;
            case 6:
                headers.Add($"Content-Length: {Math.Max(0, body.Length - random.Next(1, 50))}");   // the rest looks like a next request
                payload = body;
                name.Append(" length-short");
                break;
            case 7:
                headers.Add($"Content-Length: {body.Length + random.Next(1, 5000)}");
                payload = body;
                unfinished = true;
                name.Append(" length-long");
                break;
            case 8:
                headers.Add("Transfer-Encoding: chunked");
                payload = Chunked(random, body, valid: true);
                name.Append(" chunked");
                break;
            case 9:
                headers.Add("Transfer-Encoding: chunked");
                payload = Chunked(random, body, valid: false);
                unfinished = true;   // a chunk may promise more than is sent
                name.Append(" chunked-bad");
                break;
            case 10:
                headers.Add($"Content-Length: {body.Length}");
                headers.Add("Transfer-Encoding: chunked");
                payload = Chunked(random, body, valid: true);
                name.Append(" length+chunked");
                break;
            case 11:
                headers.Add(Pick(random, ["Content-Length: -1", "Content-Length: abc", "Content-Length: 1e3", $"Content-Length: {body.Length}, {body.Length + 1}", "Content-Length: 99999999999999999999"]));
                payload = body;
                name.Append(" length-invalid");
                break;
            case 12:
                headers.Add($"Content-Length: {body.Length}");
                headers.Add($"Content-Length: {body.Length + 7}");
                payload = body;
                name.Append(" length-twice");
                break;
            default:
                payload = body;   // no framing: an HTTP/1.1 request without a length has no body; the rest is garbage after it
                name.Append(" no-length");
                break;
        }

        switch (random.Next(12))
        {
            case 0:
                headers.Add("X-Large: " + new string('x', random.Next(20_000, 70_000)));
                name.Append(" +large-header");
                break;
            case 1:
                headers.AddRange(Enumerable.Range(0, random.Next(100, 400)).Select(h => $"X-Many-{h}: {h}"));
                name.Append(" +many-headers");
                break;
            case 2:
                headers.Add("X-Bytes: \u00ff\u00fe\u0080caf\u00e9");
                name.Append(" +non-ascii-header");
                break;
            case 3:
                headers.Add("Expect: 100-continue");
                name.Append(" +expect");
                break;
            case 4:
                headers.RemoveAt(0);
                name.Append(" -host");
                break;
            case 5:
                headers.Add("Host: other");
                name.Append(" +second-host");
                break;
            case 6:
                headers.Add("Accept-Encoding: gzip, br;q=0.5, *;q=0");
                headers.Add("X-API-Key: not-a-key");
                name.Append(" +odd-accept");
                break;
            case 7:
                headers.Add("Bad Header Name: 1");
                name.Append(" +bad-header-name");
                break;
        }

        headers.Add("Connection: close");
        var head = Encoding.Latin1.GetBytes($"{method} {target} HTTP/1.1\r\n{string.Join("\r\n", headers)}\r\n\r\n");
        return new Case(name.ToString(), [.. head, .. payload], unfinished);
    }

    private static (string? ContentType, byte[] Body, string Shape) PngBody(Random random, byte[] png) => random.Next(6) switch
    {
        0 or 1 => (Pick(random, PngTypes), png, "png"),
        2 => (Pick(random, PngTypes), png[..random.Next(1, png.Length)], "png-truncated"),
        3 => (Pick(random, PngTypes), Bytes(random, random.Next(0, 3000)), "random-bytes"),
        4 => (Pick(random, PngTypes), [], "empty"),
        _ => (Pick(random, PngTypes), [.. png, .. Bytes(random, random.Next(1, 500))], "png+trailing"),
    };

    private static (string? ContentType, byte[] Body, string Shape) MultipartBody(Random random, byte[] png)
    {
        var boundary = Pick(random, ["b0undary", "x", new string('b', 69), "with space", "----WebKitFormBoundary7MA4YWxkTrZu0gW"]);
        var declared = random.Next(8) switch
        {
            0 => "multipart/form-data",
            1 => "multipart/form-data; boundary=",
            2 => "multipart/form-data; boundary=" + new string('z', 200),
            3 => "multipart/mixed; boundary=" + boundary,
            4 => $"multipart/form-data; boundary=\"{boundary}\"",
            _ => "multipart/form-data; boundary=" + (boundary.Contains(' ') ? $"\"{boundary}\"" : boundary),
        };
        var parts = new List<string>();
        var shape = random.Next(10);
        string Part(string disposition, string? type, string content) =>
            $"Content-Disposition: {disposition}\r\n{(type is null ? "" : $"Content-Type: {type}\r\n")}\r\n{content}";
        var pngText = Encoding.Latin1.GetString(png);
        var image = Part("form-data; name=\"image\"; filename=\"s.png\"", "image/png", pngText);
        switch (shape)
        {
            case 0: parts.Add(image); break;
            case 1: parts.AddRange(Enumerable.Range(0, random.Next(20, 200)).Select(p => Part($"form-data; name=\"f{p}\"", null, "v"))); parts.Add(image); break;
            case 2: parts.Add(Part("form-data; name=\"image\"", "image/png", pngText)); break;
            case 3: parts.Add($"X-Huge: {new string('h', random.Next(17_000, 40_000))}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"s.png\"\r\n\r\n{pngText}"); break;
            case 4: parts.Add($"\r\n{pngText}"); break;
            case 5: parts.Add(Part("form-data; name=\"Image\"; filename=\"s.png\"", "image/png", pngText)); break;
            case 6: parts.Add(image); parts.Add(image); break;
            case 7: parts.Add(Part("form-data; name=\"other\"; filename=\"big.bin\"", "application/octet-stream", new string('o', random.Next(10_000, 200_000)))); parts.Add(image); break;
            case 8: parts.Add(Part("attachment; name=\"image\"; filename*=UTF-8''%E2%82", "text/plain", pngText[..Math.Max(1, pngText.Length / 3)])); break;
            default: parts.Add(Part("form-data; name=\"image\"; filename=\"s.png\"", "image/png", $"--{boundary}\r\n--{boundary}--")); break;
        }

        var text = new StringBuilder();
        if (random.Next(5) == 0) text.Append("a preamble\r\n");
        foreach (var part in parts) text.Append($"--{boundary}\r\n{part}\r\n");
        if (random.Next(6) != 0) text.Append($"--{boundary}--\r\n");   // sometimes the closing boundary is missing
        return (declared, Encoding.Latin1.GetBytes(text.ToString()), $"multipart-{shape}");
    }

    private static byte[] Chunked(Random random, byte[] body, bool valid)
    {
        var output = new List<byte>();
        for (var at = 0; at < body.Length;)
        {
            var size = Math.Min(body.Length - at, random.Next(1, 4000));
            output.AddRange(Encoding.ASCII.GetBytes(valid ? $"{size:x}\r\n" : Pick(random, [$"{size:x};ext=\"\r\n", "zz\r\n", $"-{size:x}\r\n", $"{size + 10:x}\r\n", "ffffffffffffffffff\r\n"])));
            output.AddRange(body.AsSpan(at, size).ToArray());
            output.AddRange("\r\n"u8.ToArray());
            at += size;
            if (!valid) break;
        }

        output.AddRange(valid ? "0\r\n\r\n"u8.ToArray() : "0\r\n"u8.ToArray());
        return [.. output];
    }

    private static byte[] Bytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    private static string Short(string text) => text.Length <= 40 ? text.Replace("\u0001", "\\1").Replace("\u0002", "\\2") : text[..37] + "...";
}
