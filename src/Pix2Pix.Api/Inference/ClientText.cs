using System.Text.RegularExpressions;

namespace Pix2Pix.Api.Inference;

/// <summary>
/// What anonymous clients may read of the server's own messages: file-system paths cut down to their file names. The
/// log keeps the whole message; /models, /health/ready and problem details get this one. And what they sent, when it
/// is quoted back to them.
/// </summary>
public static partial class ClientText
{
    /// <summary>What a client sent, fit to be quoted back: printable ASCII only (others as '?'), at most 100 characters.</summary>
    public static string Printable(string sent)
    {
        var shown = string.Create(Math.Min(sent.Length, 100), sent, (span, text) =>
        {
            for (var i = 0; i < span.Length; i++) span[i] = text[i] is >= ' ' and <= '~' ? text[i] : '?';
        });
        return sent.Length > 100 ? shown + "..." : shown;
    }

    public static string WithoutPaths(string message) =>
        AbsolutePath().Replace(message, m => m.Groups["name"].Value);

    // An absolute path (/a/b/c.onnx, C:\a\b.onnx) up to the next space, quote or colon-space: replaced by its last part.
    [GeneratedRegex(@"(?<![\w.])(?:[A-Za-z]:)?(?:[\\/][^\s\\/'""]+)*[\\/](?<name>[^\s\\/'"":]+)")]
    private static partial Regex AbsolutePath();
}
